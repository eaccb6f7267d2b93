/**
 * The GraphQL mutation documents Bender sends. Several mutations go out in one
 * document (one request); GitHub runs them in order but does not promise they
 * are atomic, so every alias's result is checked by the caller. All values are
 * variables; only the aliases vary with the number of proposals.
 */

/** Git's "no object": as a `moveRef` before, the ref must not exist; as an after, the ref is deleted. */
export const ZERO_OID = "0000000000000000000000000000000000000000";

/** Config's merge methods as GitHub's enum. */
export const MERGE_METHODS = { merge: "MERGE", squash: "SQUASH", rebase: "REBASE" } as const;

export interface FileChange {
  readonly path: string;
  readonly contents: string;
}

export interface CommitInput {
  readonly repositoryNameWithOwner: string;
  readonly branch: string;
  readonly expectedHeadOid: string;
  readonly headline: string;
  readonly body: string;
  readonly files: readonly FileChange[];
}

export type WriteStep =
  | { readonly kind: "createRef"; readonly alias: string; readonly repositoryId: string; readonly name: string; readonly oid: string }
  | { readonly kind: "deleteRef"; readonly alias: string; readonly refId: string }
  /**
   * Creates, moves or deletes a ref (`afterOid` ZERO_OID deletes it), only if it still points where it was read
   * (`beforeOid`; ZERO_OID: only if it does not exist; absent: wherever it is). Force allowed.
   */
  | { readonly kind: "moveRef"; readonly alias: string; readonly repositoryId: string; readonly name: string; readonly beforeOid?: string | undefined; readonly afterOid: string }
  | { readonly kind: "commit"; readonly alias: string; readonly input: CommitInput }
  | {
      readonly kind: "createPullRequest";
      readonly alias: string;
      readonly repositoryId: string;
      readonly baseRefName: string;
      readonly headRefName: string;
      readonly title: string;
      readonly body: string;
    }
  | { readonly kind: "updatePullRequest"; readonly alias: string; readonly pullRequestId: string; readonly title?: string; readonly body: string }
  | { readonly kind: "comment"; readonly alias: string; readonly subjectId: string; readonly body: string }
  | { readonly kind: "close"; readonly alias: string; readonly pullRequestId: string }
  | { readonly kind: "createLabel"; readonly alias: string; readonly repositoryId: string; readonly name: string; readonly color: string; readonly description: string }
  | { readonly kind: "addLabels"; readonly alias: string; readonly labelableId: string; readonly labelIds: readonly string[] }
  | {
      readonly kind: "merge";
      readonly alias: string;
      readonly pullRequestId: string;
      readonly expectedHeadOid: string;
      readonly mergeMethod: "MERGE" | "SQUASH" | "REBASE";
      readonly headline: string;
      /** The merge commit's body, e.g. who pinned from Slack (`Pinned-by:`). */
      readonly body?: string;
    };

const SHAPES: Record<WriteStep["kind"], { mutation: string; input: string; selection: string }> = {
  createRef: { mutation: "createRef", input: "CreateRefInput", selection: "ref { id name target { oid } }" },
  deleteRef: { mutation: "deleteRef", input: "DeleteRefInput", selection: "clientMutationId" },
  moveRef: { mutation: "updateRefs", input: "UpdateRefsInput", selection: "clientMutationId" },
  commit: { mutation: "createCommitOnBranch", input: "CreateCommitOnBranchInput", selection: "commit { oid url }" },
  createPullRequest: { mutation: "createPullRequest", input: "CreatePullRequestInput", selection: "pullRequest { id number url headRefOid }" },
  updatePullRequest: { mutation: "updatePullRequest", input: "UpdatePullRequestInput", selection: "pullRequest { id number url state }" },
  comment: { mutation: "addComment", input: "AddCommentInput", selection: "clientMutationId" },
  close: { mutation: "closePullRequest", input: "ClosePullRequestInput", selection: "pullRequest { id state }" },
  createLabel: { mutation: "createLabel", input: "CreateLabelInput", selection: "label { id name }" },
  // The PR's state after the labels: a PR merged or closed under a writer is seen in the same document.
  addLabels: { mutation: "addLabelsToLabelable", input: "AddLabelsToLabelableInput", selection: "labelable { ... on PullRequest { state } }" },
  merge: { mutation: "mergePullRequest", input: "MergePullRequestInput", selection: "pullRequest { id number url merged mergeCommit { oid } }" },
};

function inputOf(step: WriteStep): Record<string, unknown> {
  switch (step.kind) {
    case "createRef":
      return { repositoryId: step.repositoryId, name: step.name, oid: step.oid };
    case "deleteRef":
      return { refId: step.refId };
    case "moveRef":
      return {
        repositoryId: step.repositoryId,
        refUpdates: [{ name: step.name, ...(step.beforeOid === undefined ? {} : { beforeOid: step.beforeOid }), afterOid: step.afterOid, force: true }],
      };
    case "commit":
      return {
        branch: { repositoryNameWithOwner: step.input.repositoryNameWithOwner, branchName: step.input.branch },
        expectedHeadOid: step.input.expectedHeadOid,
        message: { headline: step.input.headline, body: step.input.body },
        fileChanges: {
          additions: step.input.files.map((file) => ({ path: file.path, contents: Buffer.from(file.contents, "utf8").toString("base64") })),
        },
      };
    case "createPullRequest":
      return {
        repositoryId: step.repositoryId,
        baseRefName: step.baseRefName,
        headRefName: step.headRefName,
        title: step.title,
        body: step.body,
        maintainerCanModify: false,
      };
    case "updatePullRequest":
      return { pullRequestId: step.pullRequestId, ...(step.title === undefined ? {} : { title: step.title }), body: step.body };
    case "comment":
      return { subjectId: step.subjectId, body: step.body };
    case "close":
      return { pullRequestId: step.pullRequestId };
    case "createLabel":
      return { repositoryId: step.repositoryId, name: step.name, color: step.color, description: step.description };
    case "addLabels":
      return { labelableId: step.labelableId, labelIds: step.labelIds };
    case "merge":
      return {
        pullRequestId: step.pullRequestId,
        expectedHeadOid: step.expectedHeadOid,
        mergeMethod: step.mergeMethod,
        commitHeadline: step.headline,
        ...(step.body === undefined ? {} : { commitBody: step.body }),
      };
  }
}

/** One mutation document for the steps, in order, with one variable per step. */
export function mutationDocument(steps: readonly WriteStep[]): { query: string; variables: Record<string, unknown> } {
  const declarations: string[] = [];
  const fields: string[] = [];
  const variables: Record<string, unknown> = {};
  for (const step of steps) {
    const shape = SHAPES[step.kind];
    declarations.push(`$${step.alias}: ${shape.input}!`);
    fields.push(`${step.alias}: ${shape.mutation}(input: $${step.alias}) { ${shape.selection} }`);
    variables[step.alias] = inputOf(step);
  }
  return { query: `mutation BenderWrite(${declarations.join(", ")}) { ${fields.join(" ")} }`, variables };
}

/** The alias of one proposal's step in a batched document: `p3_commit`. One helper, so readers and writers agree. */
export function stepAlias(index: number, step: string): string {
  return `p${index}_${step}`;
}
