/**
 * Reading the text of several files in one GraphQL query: one aliased
 * `object(expression: "<revision>:<path>")` field per file. The aliases and
 * their variables come from here, and so does the decoder, so the query and
 * its reader cannot drift apart.
 */

/** The alias (and variable) of the i-th file: `f3`. */
type BlobAlias = `f${number}`;

/** A blob as the query selects it; null when the path does not exist at that revision. */
export interface BlobResponse {
  readonly text?: string | null;
}

/** The part of a repository response that holds the aliased blobs. */
export type BlobFields = { readonly [alias: BlobAlias]: BlobResponse | null | undefined };

function blobAlias(index: number): BlobAlias {
  return `f${index}`;
}

/** The declarations, variables and fields that read each `<revision>:<path>` expression, in order. */
export function blobReads(expressions: readonly string[]): { declarations: string[]; variables: Record<string, string>; fields: string[] } {
  const declarations: string[] = [];
  const variables: Record<string, string> = {};
  const fields: string[] = [];
  for (const [index, expression] of expressions.entries()) {
    const alias = blobAlias(index);
    declarations.push(`$${alias}: String!`);
    variables[alias] = expression;
    fields.push(`${alias}: object(expression: $${alias}) { ... on Blob { text } }`);
  }
  return { declarations, variables, fields };
}

/** The text of each of `count` files read by `blobReads`, undefined where there is none. */
export function blobTexts(repository: BlobFields | null | undefined, count: number): (string | undefined)[] {
  return Array.from({ length: count }, (_, index) => repository?.[blobAlias(index)]?.text ?? undefined);
}
