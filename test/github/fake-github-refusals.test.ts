/**
 * The GitHub fake refuses what GitHub refuses (so a test passing against it
 * means GitHub would accept the call).
 */
import { describe, expect, it } from "vitest";
import { FakeRepository } from "../support/fake-github.js";

const UPDATE = "mutation BenderUpdate($input: UpdatePullRequestInput!) { updatePullRequest(input: $input) { pullRequest { id } } }";
const COMMENT = "mutation BenderComment($input: AddCommentInput!) { addComment(input: $input) { clientMutationId } }";
const AUTO_MERGE = "mutation BenderAutoMerge($input: EnablePullRequestAutoMergeInput!) { enablePullRequestAutoMerge(input: $input) { pullRequest { id } } }";

describe("the GitHub fake's refusals", () => {
  it("enablePullRequestAutoMerge: refused on a PR that would merge now (clean status), armed while a required check is pending", () => {
    const fake = new FakeRepository("acme", "manifests", "main", { "a.yaml": "a: 1\n" });
    const pullRequest = fake.openPullRequest("bender/production/api", { "a.yaml": "a: 2\n" }, "Pin api", "body");
    const input = { pullRequestId: pullRequest.id, expectedHeadOid: fake.head(pullRequest.headRefName), mergeMethod: "MERGE" };
    expect(fake.answerMutation(AUTO_MERGE, { input }).errors?.map((error) => error.message)).toEqual(["Pull request is in clean status"]);
    expect(pullRequest.autoMerge).toBeUndefined();
    fake.mergeRefusal = 'Required status check "build" is expected.';
    expect(fake.answerMutation(AUTO_MERGE, { input }).errors).toBeUndefined();
    expect(pullRequest.autoMerge?.expectedHeadOid).toBe(input.expectedHeadOid);
  });

  it("a PR's body or a comment over 65,536 characters is refused; at the limit it is taken", () => {
    const fake = new FakeRepository("acme", "manifests", "main", { "a.yaml": "a: 1\n" });
    const pullRequest = fake.openPullRequest("bender/production/api", { "a.yaml": "a: 2\n" }, "Pin api", "body");
    const tooLong = "x".repeat(65537);
    expect(fake.answerMutation(UPDATE, { input: { pullRequestId: pullRequest.id, body: tooLong } }).errors?.map((error) => error.message)).toEqual(["Body is too long (maximum is 65536 characters)"]);
    expect(pullRequest.body).toBe("body");
    expect(fake.answerMutation(COMMENT, { input: { subjectId: pullRequest.id, body: tooLong } }).errors?.map((error) => error.message)).toEqual(["Body is too long (maximum is 65536 characters)"]);
    expect(pullRequest.comments).toEqual([]);
    expect(fake.answerMutation(UPDATE, { input: { pullRequestId: pullRequest.id, body: "x".repeat(65536) } }).errors).toBeUndefined();
    expect(pullRequest.body).toHaveLength(65536);
  });
});
