import { describe, expect, it } from "vitest";
import { canPinNow, dueActions, parseFreezes, renderFreezes, shownAt, withoutExpiredFreezes } from "../../src/policy/index.js";
import type { DueAction, Freeze, FreezesFile, SweepInput, SweepProposal } from "../../src/policy/index.js";
import { PRODUCTION, at, policyOf } from "./policy-support.js";

const staging = policyOf('autoPin: true\ntimezone: Europe/Berlin\nwindows: [{ days: [mon, tue, wed, thu, fri], from: "09:00", to: "18:00" }]', "staging");
const production = policyOf(PRODUCTION);
const freezeFile = (...freezes: Freeze[]): FreezesFile => parseFreezes(renderFreezes(freezes));
const WAITING: SweepProposal = { number: 7, environment: "staging", build: "aaa0001" };

function plan(now: string, proposals: readonly SweepProposal[], freezes: SweepInput["freezes"] = {}): ReturnType<typeof dueActions> {
  return dueActions({ now: at(now), policies: [staging, production], proposals, freezes });
}

describe("the sweep at a window's edges", () => {
  it("pins a waiting automatic proposal at the opening exactly, not a millisecond before", () => {
    expect(plan("2026-11-23T07:59:59.999Z", [WAITING])).toEqual({ actions: [], nextDueAt: at("2026-11-23T08:00:00Z") });
    expect(plan("2026-11-23T08:00:00.000Z", [WAITING]).actions).toEqual([{ kind: "pin", environment: "staging", proposal: 7, build: "aaa0001", why: "automatic" }]);
  });

  it("finds Monday's opening across the spring change: 09:00 CEST is 07:00Z", () => {
    expect(plan("2026-03-27T17:00:00Z", [WAITING])).toEqual({ actions: [], nextDueAt: at("2026-03-30T07:00:00Z") });
    expect(plan("2026-03-30T06:59:59.999Z", [WAITING]).actions).toEqual([]);
    expect(plan("2026-03-30T07:00:00Z", [WAITING]).actions).toHaveLength(1);
  });

  it("finds Monday's opening across the autumn change: 09:00 CET is 08:00Z", () => {
    expect(plan("2026-10-23T16:00:00Z", [WAITING])).toEqual({ actions: [], nextDueAt: at("2026-10-26T08:00:00Z") });
    expect(plan("2026-10-26T07:59:59.999Z", [WAITING]).actions).toEqual([]);
    expect(plan("2026-10-26T08:00:00Z", [WAITING]).actions).toHaveLength(1);
  });

  it("stops pinning at the closing exactly", () => {
    expect(plan("2026-11-23T16:59:59.999Z", [WAITING]).actions).toHaveLength(1);
    expect(plan("2026-11-23T17:00:00Z", [WAITING])).toEqual({ actions: [], nextDueAt: at("2026-11-24T08:00:00Z") });
  });
});

describe("the sweep and freezes", () => {
  const freeze: Freeze = { environment: "staging", by: "U0ALICE001", reason: "load test", since: "2026-11-23T08:00:00Z", until: "2026-11-23T12:00:00Z" };

  it("waits while frozen, then thaws and pins what waited in one sweep", () => {
    const freezes = { staging: freezeFile(freeze) };
    expect(plan("2026-11-23T11:59:00Z", [WAITING], freezes)).toEqual({ actions: [], nextDueAt: at("2026-11-23T12:00:00Z") });
    expect(plan("2026-11-23T12:00:00Z", [WAITING], freezes).actions).toEqual([
      { kind: "thaw", environment: "staging", freezes: [freeze] },
      { kind: "pin", environment: "staging", proposal: 7, build: "aaa0001", why: "automatic" },
    ]);
  });

  it("thaws an expired freeze even with nothing waiting, and pins nothing while the freezes file is unreadable", () => {
    expect(plan("2026-11-23T13:00:00Z", [], { staging: freezeFile(freeze) }).actions).toEqual([{ kind: "thaw", environment: "staging", freezes: [freeze] }]);
    expect(plan("2026-11-23T13:00:00Z", [WAITING], { staging: parseFreezes("freezes: [") }).actions).toEqual([]);
  });
});

describe("the sweep and manual proposals", () => {
  const shownClosed: SweepProposal = { number: 9, environment: "production", build: "bbb0002", shown: { pinOpen: false, approvals: 0 } };

  it("redraws a message when Pin opens or closes, and only then", () => {
    expect(plan("2026-11-23T08:00:00Z", [shownClosed]).actions).toEqual([
      { kind: "redraw", environment: "production", proposal: 9, gate: { allowed: true, closesAt: at("2026-11-23T15:00:00Z") }, why: "pin-opened" },
    ]);
    expect(plan("2026-11-23T07:00:00Z", [shownClosed]).actions).toEqual([]);
    const shownOpen = { ...shownClosed, shown: { pinOpen: true, approvals: 0 } };
    expect(plan("2026-11-23T15:00:00Z", [shownOpen]).actions).toEqual([
      { kind: "redraw", environment: "production", proposal: 9, gate: canPinNow(production, at("2026-11-23T15:00:00Z"), { ok: true, freezes: [] }), why: "pin-closed" },
    ]);
    // A proposal whose message recorded nothing is left alone.
    expect(plan("2026-11-23T08:00:00Z", [{ ...shownClosed, shown: undefined }]).actions).toEqual([]);
  });

  it("redraws when an approval expires, and says when the next one will", () => {
    const approved: SweepProposal = { ...shownClosed, shown: { pinOpen: true, approvals: 1 }, approvals: [{ by: "U0ALICE001", at: at("2026-11-23T09:00:00Z"), build: "bbb0002" }] };
    expect(plan("2026-11-24T08:59:59Z", [approved])).toEqual({ actions: [], nextDueAt: at("2026-11-24T09:00:00Z") });
    expect(plan("2026-11-24T09:00:00Z", [approved]).actions).toMatchObject([{ kind: "redraw", proposal: 9, why: "approvals-changed" }]);
    // More approvals than shown: the click that recorded one drew it; nothing to redraw.
    expect(plan("2026-11-23T09:30:00Z", [{ ...approved, shown: { pinOpen: true, approvals: 0 } }]).actions).toEqual([]);
  });

  it("pins a proposal whose approvals are complete once the gate opens (a merge that had to wait)", () => {
    const approvals = [
      { by: "U0ALICE001", at: at("2026-11-23T14:00:00Z"), build: "bbb0002" },
      { by: "U0BOB00001", at: at("2026-11-23T14:30:00Z"), build: "bbb0002" },
    ];
    const proposal: SweepProposal = { ...shownClosed, approvals, shown: { pinOpen: true, approvals: 2 } };
    expect(plan("2026-11-23T14:45:00Z", [proposal]).actions).toEqual([{ kind: "pin", environment: "production", proposal: 9, build: "bbb0002", why: "approved" }]);
  });

  it("leaves proposals of environments without a policy alone", () => {
    expect(plan("2026-11-23T08:00:00Z", [{ number: 1, environment: "gone", build: "x", shown: { pinOpen: false, approvals: 0 } }]).actions).toEqual([]);
  });
});

describe("the sweep is idempotent", () => {
  it("finds nothing more to do once its actions are done", () => {
    const freeze: Freeze = { environment: "staging", by: "U0ALICE001", reason: "load test", since: "2026-11-23T08:00:00Z", until: "2026-11-23T12:00:00Z" };
    let text: string | undefined = renderFreezes([freeze]);
    let proposals: SweepProposal[] = [WAITING, { number: 9, environment: "production", build: "bbb0002", shown: { pinOpen: false, approvals: 0 } }];
    const now = "2026-11-23T12:00:00Z";
    const first = plan(now, proposals, { staging: parseFreezes(text) }).actions;
    expect(first.map((action) => action.kind)).toEqual(["thaw", "pin", "redraw"]);
    for (const action of first) text = apply(action, text, (next) => (proposals = next(proposals)));
    expect(plan(now, proposals, { staging: parseFreezes(text) }).actions).toEqual([]);
  });
});

describe("what the sweep remembers as shown, and the timed thaw's edit", () => {
  it("records each manual proposal's Pin state and counted approvals, so the next sweep redraws only what changed", () => {
    const manual: SweepProposal = { number: 9, environment: "production", build: "bbb0002", approvals: [{ by: "U0ALICE001", at: at("2026-11-23T07:00:00Z"), build: "bbb0002" }] };
    const before = shownAt({ now: at("2026-11-23T07:00:00Z"), policies: [staging, production], proposals: [WAITING, manual], freezes: {} });
    // Automatic proposals are never redrawn, so nothing is remembered of them.
    expect([...before]).toEqual([[9, { pinOpen: false, approvals: 1 }]]);
    const remembered = { ...manual, shown: before.get(9) };
    expect(plan("2026-11-23T07:30:00Z", [remembered]).actions).toEqual([]);
    expect(plan("2026-11-23T08:00:00Z", [remembered]).actions).toMatchObject([{ kind: "redraw", proposal: 9, why: "pin-opened" }]);
    expect(shownAt({ now: at("2026-11-23T08:00:00Z"), policies: [production], proposals: [remembered], freezes: {} }).get(9)).toEqual({ pinOpen: true, approvals: 1 });
  });

  it("removes only the ended freezes of the environments named, keeping the others and the file's comments", () => {
    const ended: Freeze = { environment: "staging", by: "U0ALICE001", reason: "load test", since: "2026-11-23T08:00:00Z", until: "2026-11-23T12:00:00Z" };
    const later: Freeze = { environment: "production", by: "U0BOB00001", reason: "audit", since: "2026-11-23T08:00:00Z", until: "2026-11-23T18:00:00Z" };
    const open: Freeze = { environment: "qa", by: "U0BOB00001", reason: "hands off", since: "2026-11-23T08:00:00Z" };
    const text = `${renderFreezes([ended, later, open])}# kept by a person\n`;
    const after = withoutExpiredFreezes(text, ["staging", "production", "qa"], at("2026-11-23T12:00:00Z"));
    expect(parseFreezes(after)).toEqual({ ok: true, freezes: [later, open], text: after });
    expect(after).toContain("# kept by a person");
    expect(withoutExpiredFreezes(text, ["production", "qa"], at("2026-11-23T12:00:00Z"))).toBeUndefined();
    expect(withoutExpiredFreezes(text, ["staging"], at("2026-11-23T11:59:59.999Z"))).toBeUndefined();
    expect(withoutExpiredFreezes(undefined, ["staging"], at("2026-11-23T12:00:00Z"))).toBeUndefined();
  });
});

/** Carries out an action the way the wiring will: thaw edits the file, pin closes the proposal, redraw records what was shown. */
function apply(action: DueAction, text: string | undefined, update: (change: (proposals: SweepProposal[]) => SweepProposal[]) => void): string | undefined {
  if (action.kind === "thaw") return withoutExpiredFreezes(text, [action.environment], Date.parse("2026-11-23T12:00:00Z")) ?? text;
  if (action.kind === "pin") update((proposals) => proposals.filter((proposal) => proposal.number !== action.proposal));
  if (action.kind === "redraw") {
    update((proposals) => proposals.map((proposal) => (proposal.number === action.proposal ? { ...proposal, shown: { pinOpen: action.gate.allowed, approvals: 0 } } : proposal)));
  }
  return text;
}
