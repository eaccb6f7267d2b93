import { blobReads, blobTexts } from "./blob-reads.js";
import type { BlobFields } from "./blob-reads.js";
import { runGraphql } from "./graphql-client.js";
import type { GraphqlClient } from "./graphql-client.js";
import { repositoryName } from "./repository-name.js";

/**
 * The texts of files named `<revision>:<path>`, read in one query; undefined
 * for a file that does not exist there (or is not text). Nothing to read,
 * nothing sent.
 */
export async function readFileTexts(client: GraphqlClient, repository: string, expressions: readonly string[]): Promise<(string | undefined)[]> {
  if (expressions.length === 0) return [];
  const { owner, name } = repositoryName(repository);
  const files = blobReads(expressions);
  const query = `query BenderRunning(${["$owner: String!", "$name: String!", ...files.declarations].join(", ")}) { repository(owner: $owner, name: $name) { ${files.fields.join(" ")} } }`;
  const result = await runGraphql<{ repository: BlobFields | null }>(client, query, { owner, name, ...files.variables });
  return blobTexts(result.data?.repository, expressions.length);
}
