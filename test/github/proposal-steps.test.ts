import { describe, expect, it } from "vitest";
import {
  closeSteps,
  deleteTemporaryStep,
  firstDocumentSteps,
  labelStep,
  mergeStep,
  missingLabels,
  moveRefStep,
  rewriteSteps,
  scrubAndCloseSteps,
} from "../../src/github/proposal-steps.js";
import type { WritePlan } from "../../src/github/proposal-steps.js";
import { ZERO_OID, mutationDocument } from "../../src/github/write-documents.js";

const BASE = "a".repeat(40);
const OLD_HEAD = "b".repeat(40);
const state = { repositoryId: "R_1", nameWithOwner: "acme/manifests", labelIds: new Map([["bender", "L_bender"]]) };

/** A planned write with only the fields the step builders read (the rest of a real plan is the planner's business). */
function write(environment: string, action: "open" | "supersede" | "finish" | "close", proposalHead?: string): WritePlan {
  return {
    build: {},
    environment: {
      read: { name: environment, proposalRef: `refs/heads/bender/${environment}/ghcr.io-acme-api` },
      snapshot: { baseBranch: "main" },
      baseOid: BASE,
      proposal: proposalHead ? { target: { oid: proposalHead } } : null,
    },
    plan: { action, title: `Pin api to ${environment}`, body: "body", commit: { headline: "Bump api", body: "why" }, files: [{ path: "a.yaml", contents: "x" }], comment: "older" },
  } as unknown as WritePlan;
}

describe("proposal write steps", () => {
  it("creates only the labels that are missing, once each, and none for a close", () => {
    expect(missingLabels(state, [write("staging", "open"), write("prod", "open"), write("staging", "supersede"), write("qa", "close")])).toEqual(["bender/staging", "bender/prod"]);
    expect(missingLabels({ labelIds: new Map([["bender", "1"], ["bender/prod", "2"]]) }, [write("prod", "open")])).toEqual([]);
  });

  it("document 1: a new proposal sets its branch by compare-and-swap, commits on it expecting the base, opens its PR", () => {
    const { steps, temporaryNames } = firstDocumentSteps(state, [write("staging", "open")], () => "unused");
    expect(temporaryNames.size).toBe(0);
    expect(steps.map((step) => step.alias)).toEqual(["label0", "p0_ref", "p0_commit", "p0_pr"]);
    expect(steps[1]).toMatchObject({ kind: "moveRef", name: "refs/heads/bender/staging/ghcr.io-acme-api", beforeOid: ZERO_OID, afterOid: BASE });
    expect(steps[2]).toMatchObject({ kind: "commit", input: { repositoryNameWithOwner: "acme/manifests", branch: "bender/staging/ghcr.io-acme-api", expectedHeadOid: BASE } });
    expect(steps[3]).toMatchObject({ kind: "createPullRequest", baseRefName: "main", headRefName: "bender/staging/ghcr.io-acme-api", title: "Pin api to staging" });
  });

  it("document 1: a branch left without a PR is reset only from the head read", () => {
    const { steps } = firstDocumentSteps(state, [write("staging", "open", OLD_HEAD)], () => "unused");
    expect(steps.find((step) => step.alias === "p0_ref")).toMatchObject({ beforeOid: OLD_HEAD, afterOid: BASE });
  });

  it("document 1: superseding builds on a temporary branch at the base; finish and close write nothing here", () => {
    let made = 0;
    const { steps, temporaryNames } = firstDocumentSteps(
      { ...state, labelIds: new Map([["bender", "1"], ["bender/prod", "2"], ["bender/qa", "3"]]) },
      [write("prod", "finish"), write("prod", "supersede", OLD_HEAD), write("qa", "close")],
      () => `bender-tmp/1-${++made}`,
    );
    expect([...temporaryNames]).toEqual([[1, "bender-tmp/1-1"]]);
    expect(steps.map((step) => step.alias)).toEqual(["p1_tmpref", "p1_commit"]);
    expect(steps[0]).toMatchObject({ kind: "createRef", name: "refs/heads/bender-tmp/1-1", oid: BASE });
    expect(steps[1]).toMatchObject({ input: { branch: "bender-tmp/1-1", expectedHeadOid: BASE } });
  });

  it("labels only with the IDs known, or not at all", () => {
    expect(labelStep(2, "prod", new Map([["bender", "L1"]]), "PR_1")).toEqual({ kind: "addLabels", alias: "p2_labels", labelableId: "PR_1", labelIds: ["L1"] });
    expect(labelStep(2, "prod", new Map(), "PR_1")).toBeUndefined();
  });

  it("merges only at the head given, with the config's method", () => {
    expect(mergeStep(0, "PR_1", OLD_HEAD, "squash", "Pin")).toEqual({ kind: "merge", alias: "p0_merge", pullRequestId: "PR_1", expectedHeadOid: OLD_HEAD, mergeMethod: "SQUASH", headline: "Pin" });
  });

  it("moves refs by compare-and-swap, deletes temporary branches wherever they are", () => {
    expect(moveRefStep(1, "move", state, "refs/heads/x", OLD_HEAD, BASE)).toEqual({ kind: "moveRef", alias: "p1_move", repositoryId: "R_1", name: "refs/heads/x", beforeOid: OLD_HEAD, afterOid: BASE });
    const deletion = deleteTemporaryStep(1, state, "bender-tmp/1-1");
    expect(deletion).toEqual({ kind: "moveRef", alias: "p1_tmp", repositoryId: "R_1", name: "refs/heads/bender-tmp/1-1", afterOid: ZERO_OID });
    expect("beforeOid" in deletion).toBe(false);
  });

  it("comments before closing, scrubs before closing a raced PR, rewrites before commenting", () => {
    expect(closeSteps(3, "PR_3", "older").map((step) => step.kind)).toEqual(["comment", "close"]);
    expect(scrubAndCloseSteps(3, "PR_3", "raced").map((step) => [step.kind, step.alias])).toEqual([["updatePullRequest", "p3_scrub"], ["close", "p3_close"]]);
    expect(rewriteSteps(3, "PR_3", "t", "b", "c").map((step) => [step.kind, step.alias])).toEqual([["updatePullRequest", "p3_pr"], ["comment", "p3_comment"]]);
  });

  it("assembles into one document whose aliases are the steps'", () => {
    const { steps } = firstDocumentSteps(state, [write("staging", "open")], () => "unused");
    const document = mutationDocument(steps);
    expect(document.query).toMatch(/^mutation BenderWrite\(\$label0: CreateLabelInput!, \$p0_ref: UpdateRefsInput!, \$p0_commit: CreateCommitOnBranchInput!, \$p0_pr: CreatePullRequestInput!\)/);
    expect(Object.keys(document.variables)).toEqual(["label0", "p0_ref", "p0_commit", "p0_pr"]);
  });
});
