import { HOLDS_PATH } from "../proposals/holds.js";
import { proposalBranch } from "../proposals/branch-name.js";
import { BENDER_LABEL, environmentLabel } from "../proposals/labels.js";
import type { ProposalMetadata } from "../proposals/metadata.js";
import { blobReads, blobTexts } from "./blob-reads.js";
import type { BlobFields, BlobResponse } from "./blob-reads.js";
import { runGraphql } from "./graphql-client.js";
import type { GraphqlClient } from "./graphql-client.js";
import { repositoryName } from "./repository-name.js";

/** What an unpin needs from its manifest repository, read in one query. */
export interface UnpinState {
  readonly repositoryId: string;
  readonly nameWithOwner: string;
  /** The pin's base branch and its head; undefined when the branch is gone. */
  readonly base: { readonly name: string; readonly oid: string } | undefined;
  /** The latest merged proposal of the (environment, image): only it can be unpinned. */
  readonly latestPin: { readonly number: number; readonly url: string } | undefined;
  /** The files the pin changed, as they are on the base branch now (missing files left out). */
  readonly files: readonly { readonly path: string; readonly text: string }[];
  readonly holdsText: string | undefined;
  /** IDs of the labels `bender` and `bender/<environment>` that exist. */
  readonly labelIds: readonly string[];
}

type UnpinReadResponse = {
  repository:
    | (BlobFields & {
        id: string;
        nameWithOwner: string;
        base: { name: string; target: { oid: string } } | null;
        holds: BlobResponse | null;
        latest: { nodes: { number: number; url: string }[] };
        label: { id: string } | null;
        environmentLabel: { id: string } | null;
      })
    | null;
};

/**
 * Reads, for the unpin of `pinned` in `environment`: the base branch, the
 * latest pin, the files the pin changed, the holds file and the label IDs.
 * Undefined when GitHub returns no repository.
 */
export async function readUnpinState(client: GraphqlClient, repository: string, environment: string, pinned: ProposalMetadata): Promise<UnpinState | undefined> {
  const { owner, name } = repositoryName(repository);
  const paths = [...new Set(pinned.changes.map((change) => change.file))];
  const files = blobReads(paths.map((path) => `${pinned.baseBranch}:${path}`));
  const declarations = ["$owner: String!", "$name: String!", "$base: String!", "$head: String!", "$holds: String!", "$label: String!", "$environmentLabel: String!", ...files.declarations];
  const variables: Record<string, string> = {
    owner,
    name,
    base: `refs/heads/${pinned.baseBranch}`,
    head: proposalBranch(environment, { repository: pinned.repository }),
    holds: `${pinned.baseBranch}:${HOLDS_PATH}`,
    label: BENDER_LABEL,
    environmentLabel: environmentLabel(environment),
    ...files.variables,
  };
  const fields = [
    "id",
    "nameWithOwner",
    "base: ref(qualifiedName: $base) { name target { oid } }",
    "holds: object(expression: $holds) { ... on Blob { text } }",
    "latest: pullRequests(headRefName: $head, states: MERGED, first: 1, orderBy: { field: UPDATED_AT, direction: DESC }) { nodes { number url } }",
    "label: label(name: $label) { id }",
    "environmentLabel: label(name: $environmentLabel) { id }",
    ...files.fields,
  ];
  const query = `query BenderUnpinRead(${declarations.join(", ")}) { repository(owner: $owner, name: $name) { ${fields.join(" ")} } }`;
  const result = await runGraphql<UnpinReadResponse>(client, query, variables);
  const data = result.data?.repository;
  if (!data) return undefined;
  const texts = blobTexts(data, paths.length);
  return {
    repositoryId: data.id,
    nameWithOwner: data.nameWithOwner,
    base: data.base ? { name: data.base.name, oid: data.base.target.oid } : undefined,
    latestPin: data.latest.nodes[0],
    files: paths.flatMap((path, index) => {
      const text = texts[index];
      return text === undefined ? [] : [{ path, text }];
    }),
    holdsText: data.holds?.text ?? undefined,
    labelIds: [data.label, data.environmentLabel].flatMap((label) => (label?.id ? [label.id] : [])),
  };
}
