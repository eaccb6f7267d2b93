import { describe, expect, it } from "vitest";
import { approvalCommentBody, approvalOfComment, approvalsFromComments } from "../../src/proposals/approval-comments.js";

const BUILD = "a".repeat(40);
const approval = { by: "U012ALICE", at: Date.parse("2026-11-27T10:00:00Z"), build: BUILD };

describe("approval comments", () => {
  it("reads back the approval a comment records, with a line a person reads", () => {
    const body = approvalCommentBody(approval, "1 of 2");
    expect(body).toContain("Slack user U012ALICE for commit aaaaaaa (1 of 2)");
    expect(approvalOfComment({ body, viewerDidAuthor: true })).toEqual(approval);
  });

  it("ignores a block a person pasted into their own comment", () => {
    const body = approvalCommentBody(approval, "1 of 2");
    expect(approvalOfComment({ body, viewerDidAuthor: false })).toBeUndefined();
  });

  it("ignores blocks that fail validation, oversized bodies and plain comments", () => {
    const bad = approvalCommentBody({ ...approval, build: "not-a-commit" }, "1 of 2");
    expect(approvalOfComment({ body: bad, viewerDidAuthor: true })).toBeUndefined();
    expect(approvalOfComment({ body: "<!-- bender:approval\n{not json\n-->", viewerDidAuthor: true })).toBeUndefined();
    const huge = `${approvalCommentBody(approval, "1 of 2")}\n${"x".repeat(5000)}`;
    expect(approvalOfComment({ body: huge, viewerDidAuthor: true })).toBeUndefined();
    expect(approvalsFromComments([{ body: "LGTM", viewerDidAuthor: true }, { body: approvalCommentBody(approval, "1 of 2"), viewerDidAuthor: true }])).toEqual([approval]);
  });

  it("cannot be closed early by what it carries", () => {
    const body = approvalCommentBody({ ...approval, by: "U0<!-- -->" }, "1 of 2");
    expect(body.match(/-->/g)).toHaveLength(1);
    expect(approvalOfComment({ body, viewerDidAuthor: true })).toBeUndefined();
  });
});
