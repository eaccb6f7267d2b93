import { FREEZES_PATH } from "../policy/freezes.js";
import { failuresOf, runGraphql } from "./graphql-client.js";
import type { GraphqlClient, GraphqlResult } from "./graphql-client.js";
import { repositoryName } from "./repository-name.js";
import { mutationDocument } from "./write-documents.js";

/** An environment branch's head and its freezes file as of that head, read together so a write can be a compare-and-swap. */
export interface FreezesRead {
  readonly nameWithOwner: string;
  readonly branch: string;
  readonly headOid: string;
  /** Undefined: the branch has no freezes file. */
  readonly text: string | undefined;
}

/** A ref's name, head commit and the freezes file in that commit (the query declares `$path`: FREEZES_PATH). */
export const FREEZES_REF_SELECTION = "{ name target { ... on Commit { oid file(path: $path) { object { ... on Blob { text } } } } } }";
const READ_FREEZES: OnBranch = {
  named: `query BenderFreezesRead($owner: String!, $name: String!, $branch: String!, $path: String!) { repository(owner: $owner, name: $name) { nameWithOwner ref(qualifiedName: $branch) ${FREEZES_REF_SELECTION} } }`,
  onDefault: `query BenderFreezesRead($owner: String!, $name: String!, $path: String!) { repository(owner: $owner, name: $name) { nameWithOwner ref: defaultBranchRef ${FREEZES_REF_SELECTION} } }`,
};

/** One document about the freezes file in two forms: on a named branch (`$branch`), or on the default branch. */
interface OnBranch {
  readonly named: string;
  readonly onDefault: string;
}

/** Runs `document` on `branch`, or on the default branch when `branch` is undefined. */
function runOnBranch<T>(client: GraphqlClient, repository: string, branch: string | undefined, document: OnBranch): Promise<GraphqlResult<T>> {
  const { owner, name } = repositoryName(repository);
  return branch === undefined
    ? runGraphql<T>(client, document.onDefault, { owner, name, path: FREEZES_PATH })
    : runGraphql<T>(client, document.named, { owner, name, branch: `refs/heads/${branch}`, path: FREEZES_PATH });
}

/** A ref as FREEZES_REF_SELECTION reads it. */
export interface FreezesRefResponse {
  name: string;
  target: { oid?: string; file?: { object: { text?: string | null } | null } | null } | null;
}

interface FreezesResponse {
  repository: {
    nameWithOwner: string;
    ref: FreezesRefResponse | null;
  } | null;
}

/** What a ref read with FREEZES_REF_SELECTION says; undefined when the ref (the branch) does not exist. */
export function freezesReadOf(nameWithOwner: string, ref: FreezesRefResponse | null | undefined): FreezesRead | undefined {
  const headOid = ref?.target?.oid;
  if (!ref || headOid === undefined) return undefined;
  return { nameWithOwner, branch: ref.name, headOid, text: ref.target?.file?.object?.text ?? undefined };
}

/**
 * Reads a branch's head commit and the freezes file in that commit, in one
 * query; undefined when the branch does not exist. `branch` undefined: the
 * default branch.
 */
export async function readFreezesFile(client: GraphqlClient, repository: string, branch: string | undefined): Promise<FreezesRead | undefined> {
  const result = await runOnBranch<FreezesResponse>(client, repository, branch, READ_FREEZES);
  const data = result.data?.repository;
  return data ? freezesReadOf(data.nameWithOwner, data.ref) : undefined;
}

export type FreezesWriteOutcome =
  | { readonly ok: true; readonly commitOid: string; readonly url: string }
  /** `moved`: the branch moved since it was read (read again and retry). */
  | { readonly ok: false; readonly moved: boolean; readonly message: string };

/** Commits the new freezes file on the branch, only if the branch is still at the head read (compare-and-swap). */
export async function writeFreezesFile(
  client: GraphqlClient,
  read: FreezesRead,
  contents: string,
  commit: { readonly headline: string; readonly body: string },
): Promise<FreezesWriteOutcome> {
  const document = mutationDocument([
    {
      kind: "commit",
      alias: "commit",
      input: {
        repositoryNameWithOwner: read.nameWithOwner,
        branch: read.branch,
        expectedHeadOid: read.headOid,
        headline: commit.headline,
        body: commit.body,
        files: [{ path: FREEZES_PATH, contents }],
      },
    },
  ]);
  const result = await runGraphql<{ commit: { commit: { oid: string; url: string } } | null }>(client, document.query, document.variables);
  const failures = failuresOf(result, "commit");
  const made = result.data?.commit?.commit;
  if (failures.length > 0 || !made) {
    const message = failures.map((failure) => failure.message).join("; ") || "GitHub made no commit";
    return { ok: false, moved: /expected branch to point to|expectedHeadOid/i.test(message), message };
  }
  return { ok: true, commitOid: made.oid, url: made.url };
}

/** The last commit that changed a branch's freezes file: what a Thaw button says of a freeze already gone. */
export interface FreezesChange {
  readonly headline: string;
  /** The message's body (its trailers: `Thawed-by:`, `Frozen-by:`), at most MAX_CHANGE_BODY characters. */
  readonly body: string;
  readonly committedAt: string;
  readonly url: string;
}

/** A commit body is read for its trailers only: a longer one is cut (the trailers of Bender's own commits are short). */
const MAX_CHANGE_BODY = 2000;
const CHANGE_SELECTION = "{ target { ... on Commit { history(first: 1, path: $path) { nodes { messageHeadline messageBody committedDate url } } } } }";
const LAST_CHANGE: OnBranch = {
  named: `query BenderFreezesChange($owner: String!, $name: String!, $branch: String!, $path: String!) { repository(owner: $owner, name: $name) { ref(qualifiedName: $branch) ${CHANGE_SELECTION} } }`,
  onDefault: `query BenderFreezesChange($owner: String!, $name: String!, $path: String!) { repository(owner: $owner, name: $name) { ref: defaultBranchRef ${CHANGE_SELECTION} } }`,
};

interface ChangeResponse {
  repository: {
    ref: { target: { history?: { nodes: ({ messageHeadline: string; messageBody: string; committedDate: string; url: string } | null)[] | null } } | null } | null;
  } | null;
}

/** The last commit on the branch (undefined: the default branch) that changed the freezes file, in one query; undefined when there is none. */
export async function lastFreezesChange(client: GraphqlClient, repository: string, branch: string | undefined): Promise<FreezesChange | undefined> {
  const result = await runOnBranch<ChangeResponse>(client, repository, branch, LAST_CHANGE);
  const commit = result.data?.repository?.ref?.target?.history?.nodes?.[0];
  if (!commit) return undefined;
  return { headline: commit.messageHeadline, body: commit.messageBody.slice(0, MAX_CHANGE_BODY), committedAt: commit.committedDate, url: commit.url };
}
