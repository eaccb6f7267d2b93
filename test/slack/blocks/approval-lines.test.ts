import { describe, expect, it } from "vitest";
import { approvalsLine, tallyText } from "../../../src/slack/blocks/index.js";

describe("the approvals line", () => {
  it("names who approved and who may still, users and user groups as mentions", () => {
    expect(approvalsLine({ needed: 2, counted: ["U0ALICE001"], stillMay: ["U0BOB00001", "S0SRE00001"] })).toBe(
      ":ballot_box_with_check: Approvals: 1 of 2: <@U0ALICE001>. May still approve: <@U0BOB00001>, <!subteam^S0SRE00001>.",
    );
    expect(approvalsLine({ needed: 3, counted: [], stillMay: "anyone" })).toBe(":ballot_box_with_check: Approvals: 0 of 3. May still approve: anyone in the channel.");
  });

  it("says when a newer build dropped the earlier approvals", () => {
    expect(approvalsLine({ needed: 2, counted: [], stillMay: ["U0ALICE001"], restarted: true })).toBe(
      ":ballot_box_with_check: A newer build replaced the one approved: approvals start again. Approvals: 0 of 2. May still approve: <@U0ALICE001>.",
    );
  });

  it("names at most ten people, and shows anything that is not a Slack ID as code, never as markup", () => {
    const many = Array.from({ length: 12 }, (_, index) => `U0PERSON${String(index).padStart(2, "0")}`);
    expect(tallyText({ needed: 20, counted: many })).toMatch(/^12 of 20: (<@U0PERSON\d\d>, ){9}<@U0PERSON09> and 2 more$/);
    expect(approvalsLine({ needed: 2, counted: [], stillMay: ["<!channel>"] })).toContain("May still approve: `&lt;!channel&gt;`.");
  });
});
