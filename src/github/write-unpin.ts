import { slackTrailer } from "../proposals/trailers.js";
import { failuresOf, runGraphql } from "./graphql-client.js";
import type { GraphqlClient } from "./graphql-client.js";
import type { UnpinState } from "./read-unpin-state.js";
import { MERGE_METHODS, mutationDocument } from "./write-documents.js";
import type { FileChange, WriteStep } from "./write-documents.js";

export interface UnpinWrite {
  readonly state: UnpinState & { readonly base: NonNullable<UnpinState["base"]> };
  /** The new branch the unpin PR is opened from. */
  readonly branch: string;
  readonly title: string;
  readonly body: string;
  readonly commit: { readonly headline: string; readonly body: string };
  readonly files: readonly FileChange[];
  readonly mergeMethod: keyof typeof MERGE_METHODS;
  /** The Slack user who unpinned, named in the merge commit. */
  readonly user: string;
}

export type UnpinWriteOutcome =
  | { readonly ok: true; readonly pullRequest: { readonly id: string; readonly number: number; readonly url: string } }
  /** Nothing usable was written: no PR (a half-made branch is left to the person to see). */
  | { readonly ok: false; readonly stage: "create"; readonly message: string }
  /** The PR is open but GitHub refused to merge it. */
  | { readonly ok: false; readonly stage: "merge"; readonly message: string; readonly pullRequest: { readonly url: string } };

type Created = { pr: { pullRequest: { id: string; number: number; url: string } } | null; commit: { commit: { oid: string } } | null };

/**
 * Writes an unpin in two documents:
 *
 * 1. The branch (at the base head read), the commit (expected head: that
 *    head) and the PR.
 * 2. The labels (so `/bender history` finds unpins beside pins) and the merge
 *    at the commit made, naming the person in the merge commit.
 */
export async function writeUnpin(client: GraphqlClient, input: UnpinWrite): Promise<UnpinWriteOutcome> {
  const { state } = input;
  // 1. Branch, commit, PR.
  const first = mutationDocument([
    { kind: "createRef", alias: "ref", repositoryId: state.repositoryId, name: `refs/heads/${input.branch}`, oid: state.base.oid },
    {
      kind: "commit",
      alias: "commit",
      input: {
        repositoryNameWithOwner: state.nameWithOwner,
        branch: input.branch,
        expectedHeadOid: state.base.oid,
        headline: input.commit.headline,
        body: input.commit.body,
        files: input.files,
      },
    },
    { kind: "createPullRequest", alias: "pr", repositoryId: state.repositoryId, baseRefName: state.base.name, headRefName: input.branch, title: input.title, body: input.body },
  ]);
  const created = await runGraphql<Created>(client, first.query, first.variables);
  const failures = ["ref", "commit", "pr"].flatMap((alias) => failuresOf(created, alias));
  const pullRequest = created.data?.pr?.pullRequest;
  const commit = created.data?.commit?.commit;
  if (failures.length > 0 || !pullRequest || !commit) {
    return { ok: false, stage: "create", message: failures.map((failure) => failure.message).join("; ") || "no pull request" };
  }

  // 2. Labels and merge.
  const labels: WriteStep[] = state.labelIds.length > 0 ? [{ kind: "addLabels", alias: "labels", labelableId: pullRequest.id, labelIds: state.labelIds }] : [];
  const second = mutationDocument([
    ...labels,
    { kind: "merge", alias: "merge", pullRequestId: pullRequest.id, expectedHeadOid: commit.oid, mergeMethod: MERGE_METHODS[input.mergeMethod], headline: input.title, body: slackTrailer("unpinned", input.user) },
  ]);
  const finished = await runGraphql(client, second.query, second.variables);
  const mergeFailures = failuresOf(finished, "merge");
  if (mergeFailures.length > 0) return { ok: false, stage: "merge", message: mergeFailures.map((failure) => failure.message).join("; "), pullRequest };
  return { ok: true, pullRequest };
}
