/** The part of Octokit that Bender's GitHub code uses for GraphQL. */
export interface GraphqlClient {
  graphql: <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;
}

/** One error GitHub reported for one field of a document. */
export interface GraphqlFailure {
  readonly path: readonly (string | number)[];
  readonly type: string | undefined;
  readonly message: string;
}

export interface GraphqlResult<T> {
  readonly data: T | undefined;
  readonly failures: readonly GraphqlFailure[];
}

/**
 * Runs a document and returns its data with per-field failures instead of
 * throwing on the first: with several mutations in one document, some may
 * succeed while others fail, and each outcome must be handled. Transport
 * failures (GitHub unreachable, 5xx after retries) still throw.
 */
export async function runGraphql<T>(client: GraphqlClient, query: string, variables: Record<string, unknown>): Promise<GraphqlResult<T>> {
  try {
    return { data: await client.graphql<T>(query, variables), failures: [] };
  } catch (error) {
    const response = error as { name?: string; data?: T; errors?: { path?: (string | number)[]; type?: string; message: string }[] };
    if (response.name !== "GraphqlResponseError" || !Array.isArray(response.errors)) throw error;
    return {
      data: response.data,
      failures: response.errors.map((failure) => ({ path: failure.path ?? [], type: failure.type, message: failure.message })),
    };
  }
}

/** The failures of one alias. */
export function failuresOf(result: GraphqlResult<unknown>, alias: string): readonly GraphqlFailure[] {
  return result.failures.filter((failure) => failure.path[0] === alias);
}
