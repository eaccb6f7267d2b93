import { describe, expect, it } from "vitest";
import { approvalTrailers, buildAuthorFor, decideApproval, renderTally, stillMayApprove, tallyApprovals } from "../../src/policy/index.js";
import type { Approval, ApprovedBuild } from "../../src/policy/index.js";
import { PRODUCTION, at, policyOf } from "./policy-support.js";

const production = policyOf(PRODUCTION); // 2 approvals, expire after 24 h, approvers alice, bob, carol
const BUILD: ApprovedBuild = { id: "c0ffee1", author: "U0CAROL001" };
const approval = (by: string, iso: string, build = BUILD.id): Approval => ({ by, at: at(iso), build });
const NOW = at("2026-11-24T10:00:00Z");

describe("tallyApprovals", () => {
  it("counts distinct approvers of the current build, dropping expired, superseded and self approvals", () => {
    const approvals = [
      approval("U0ALICE001", "2026-11-23T09:59:59Z"), // 24 h and 1 s old: expired
      approval("U0BOB00001", "2026-11-24T09:00:00Z", "0ld0ld0"), // for the build this one superseded
      approval("U0CAROL001", "2026-11-24T09:10:00Z"), // the author
      approval("U0BOB00001", "2026-11-24T09:20:00Z"),
    ];
    const tally = tallyApprovals(production, NOW, approvals, BUILD);
    expect(tally.counted).toEqual([approvals[3]]);
    expect(tally.ignored.map(({ approval: { by }, why }) => [by, why])).toEqual([
      ["U0ALICE001", "expired"],
      ["U0BOB00001", "superseded"],
      ["U0CAROL001", "self-approval"],
    ]);
    expect(tally).toMatchObject({ needed: 2, complete: false, changesAt: at("2026-11-25T09:20:00Z") });
    expect(renderTally(tally, (by) => `<@${by}>`)).toBe("1 of 2: <@U0BOB00001>");
    expect(stillMayApprove(production.approvers, tally)).toEqual(["U0ALICE001", "U0CAROL001"]);
  });

  it("an approval counts until exactly its expiry", () => {
    const approvals = [approval("U0ALICE001", "2026-11-23T10:00:00.001Z"), approval("U0BOB00001", "2026-11-24T09:00:00Z")];
    expect(tallyApprovals(production, NOW, approvals, BUILD).complete).toBe(true);
    expect(tallyApprovals(production, NOW + 1, approvals, BUILD).complete).toBe(false);
  });

  it("counts a person once, keeping their latest approval (so a renewal extends it)", () => {
    const approvals = [approval("U0ALICE001", "2026-11-23T11:00:00Z"), approval("U0ALICE001", "2026-11-24T08:00:00Z")];
    const tally = tallyApprovals(production, NOW, approvals, BUILD);
    expect(tally.counted).toEqual([approvals[1]]);
    expect(tally.ignored).toEqual([{ approval: approvals[0], why: "repeat" }]);
    expect(tally.changesAt).toBe(at("2026-11-25T08:00:00Z"));
  });

  it("lets authors approve their own build when the config allows it", () => {
    const lenient = policyOf(`${PRODUCTION}\nallowSelfApproval: true`);
    expect(tallyApprovals(lenient, NOW, [approval("U0CAROL001", "2026-11-24T09:10:00Z")], BUILD).counted).toHaveLength(1);
  });
});

describe("decideApproval: 2 of 3", () => {
  it("records the first, merges on the second with every approver as a trailer", () => {
    const first = approval("U0ALICE001", "2026-11-24T09:00:00Z");
    const one = decideApproval(production, NOW, [], first, BUILD);
    expect(one).toMatchObject({ outcome: "recorded", message: "1 of 2: U0ALICE001" });

    const second = approval("U0BOB00001", "2026-11-24T10:00:00Z");
    const two = decideApproval(production, NOW, [first], second, BUILD);
    expect(two).toMatchObject({ outcome: "merge", record: true });
    expect(approvalTrailers(two.tally, (by) => `<@${by}> (Slack)`)).toEqual([
      "Approved-by: <@U0ALICE001> (Slack) at 2026-11-24T09:00:00.000Z",
      "Approved-by: <@U0BOB00001> (Slack) at 2026-11-24T10:00:00.000Z",
    ]);
  });

  it("with one of two expired, the second click is only the first that counts", () => {
    const stale = approval("U0ALICE001", "2026-11-23T09:00:00Z");
    const decision = decideApproval(production, NOW, [stale], approval("U0BOB00001", "2026-11-24T10:00:00Z"), BUILD);
    expect(decision).toMatchObject({ outcome: "recorded", message: "1 of 2: U0BOB00001" });
  });

  it("refuses self-approval, a double click and a stale button; a click after completion merges again without recording", () => {
    const alice = approval("U0ALICE001", "2026-11-24T09:00:00Z");
    expect(decideApproval(production, NOW, [], approval("U0CAROL001", "2026-11-24T10:00:00Z"), BUILD)).toMatchObject({ outcome: "refused", why: "self-approval", message: "You built this: someone else must approve it." });
    expect(decideApproval(production, NOW, [alice], approval("U0ALICE001", "2026-11-24T09:00:01Z"), BUILD)).toMatchObject({
      outcome: "refused",
      why: "already-approved",
      message: "You already approved this build (1 of 2: U0ALICE001); another approver must press Pin.",
    });
    expect(decideApproval(production, NOW, [alice], approval("U0BOB00001", "2026-11-24T10:00:00Z", "0ld0ld0"), BUILD)).toMatchObject({ outcome: "refused", why: "stale-build" });
    const bob = approval("U0BOB00001", "2026-11-24T09:30:00Z");
    expect(decideApproval(production, NOW, [alice, bob], approval("U0ALICE001", "2026-11-24T10:00:00Z"), BUILD)).toMatchObject({ outcome: "merge", record: false, tally: { counted: [alice, bob] } });
  });

  it("refuses, without allowSelfApproval, a click when the build's author cannot be told apart from the clicker", () => {
    const unknown: ApprovedBuild = { id: BUILD.id, unmappedAuthor: "carol-gh" };
    expect(decideApproval(production, NOW, [], approval("U0ALICE001", "2026-11-24T10:00:00Z"), unknown)).toMatchObject({
      outcome: "refused",
      why: "author-unknown",
      message: "This build names carol-gh (GitHub) as its author, and the config does not say who that is in Slack, so Bender cannot tell whether you built it.",
    });
    const lenient = policyOf(`${PRODUCTION}\nallowSelfApproval: true`);
    expect(decideApproval(lenient, NOW, [], approval("U0ALICE001", "2026-11-24T10:00:00Z"), unknown).outcome).toBe("recorded");
  });

  it("buildAuthorFor maps the build's GitHub login to a Slack user only through the config's map", () => {
    const logins = { U0CAROL001: "Carol-GH", U0ALICE001: "alice" };
    expect(buildAuthorFor(undefined, logins, "U0ALICE001")).toEqual({});
    expect(buildAuthorFor("carol-gh", logins, "U0ALICE001")).toEqual({ author: "U0CAROL001" });
    expect(buildAuthorFor("carol-gh", logins, "U0CAROL001")).toEqual({ author: "U0CAROL001" });
    // The author's login is not mapped, but the clicker's is (to another login): not the author.
    expect(buildAuthorFor("dave", logins, "U0ALICE001")).toEqual({});
    // Neither is mapped: who built it cannot be told.
    expect(buildAuthorFor("dave", logins, "U0BOB00001")).toEqual({ unmappedAuthor: "dave" });
    expect(buildAuthorFor("dave", undefined, "U0BOB00001")).toEqual({ unmappedAuthor: "dave" });
  });

  it("a superseding build resets the count", () => {
    const approvals = [approval("U0ALICE001", "2026-11-24T09:00:00Z")];
    const next: ApprovedBuild = { id: "beef002", author: "U0DAVE0001" };
    const decision = decideApproval(production, NOW, approvals, approval("U0BOB00001", "2026-11-24T10:00:00Z", next.id), next);
    expect(decision).toMatchObject({ outcome: "recorded", message: "1 of 2: U0BOB00001" });
    expect(decision.tally.ignored.map(({ why }) => why)).toEqual(["superseded"]);
  });

  it("one approval (the default) merges on the first click; approval trailers name each approver once", () => {
    const single = policyOf("slack: { channel: '#deploys', approvers: anyone }");
    const decision = decideApproval(single, NOW, [], approval("U0ALICE001", "2026-11-24T10:00:00Z"), { id: BUILD.id });
    expect(decision.outcome).toBe("merge");
    expect(approvalTrailers(decision.tally)).toEqual(["Approved-by: U0ALICE001 at 2026-11-24T10:00:00.000Z"]);
    expect(stillMayApprove(single.approvers, decision.tally)).toBe("anyone");
  });
});
