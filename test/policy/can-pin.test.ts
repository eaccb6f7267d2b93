import { describe, expect, it } from "vitest";
import { breakGlassTrailers, canPinNow, describeFreeze, parseFreezes, releasePolicyFor, renderFreezes } from "../../src/policy/index.js";
import type { Freeze, FreezesFile, PinRefusal } from "../../src/policy/index.js";
import { PRODUCTION, at, policyOf } from "./policy-support.js";

const NONE: FreezesFile = { ok: true, freezes: [] };
const production = policyOf(PRODUCTION);
const freezeFile = (...freezes: Freeze[]): FreezesFile => parseFreezes(renderFreezes(freezes));
const BLACK_FRIDAY: Freeze = { environment: "production", by: "U0ALICE001", reason: "Black Friday", since: "2026-11-27T08:00:00Z", until: "2026-11-30T10:00:00Z" };

describe("canPinNow", () => {
  it("allows a pin inside a window and says when the window closes", () => {
    expect(canPinNow(production, at("2026-11-24T10:00:00Z"), NONE)).toEqual({ allowed: true, closesAt: at("2026-11-24T15:00:00Z") });
  });

  it("allows a pin at any time in an environment without windows or freezes", () => {
    expect(canPinNow(policyOf(""), at("2026-11-29T03:00:00Z"), NONE)).toEqual({ allowed: true, closesAt: undefined });
  });

  it("refuses outside a window with the next opening (the issue's wording)", () => {
    expect(canPinNow(production, at("2026-11-23T05:50:00Z"), NONE)).toEqual({
      allowed: false,
      reason: "outside-window",
      blackout: undefined,
      pinnableAt: at("2026-11-23T08:00:00Z"),
      message: "production is outside its deploy windows: the next window opens Mon 09:00 CET, in 2 h 10 min",
    });
  });

  it("refuses on a blackout date, naming it", () => {
    expect(canPinNow(production, at("2026-12-24T10:00:00Z"), NONE)).toMatchObject({
      allowed: false,
      reason: "blackout",
      pinnableAt: at("2026-12-28T08:00:00Z"),
      message: "production has a blackout (2026-12-24): the next window opens Mon 09:00 CET, in 3 d 22 h",
    });
  });

  it("refuses during a freeze with its reason and end, then the window after the thaw", () => {
    // Inside a window, but frozen until Monday 11:00 CET.
    const gate = canPinNow(production, at("2026-11-27T09:00:00Z"), freezeFile(BLACK_FRIDAY));
    expect(gate).toEqual({
      allowed: false,
      reason: "frozen",
      freeze: BLACK_FRIDAY,
      pinnableAt: at("2026-11-30T10:00:00Z"),
      message: "production is frozen by U0ALICE001 until Mon 11:00 CET (in 3 d 1 h): Black Friday",
    });
    // A freeze that ends on Sunday leaves Pin closed until Monday's window.
    const sunday = { ...BLACK_FRIDAY, until: "2026-11-29T12:00:00Z" };
    expect(canPinNow(production, at("2026-11-27T09:00:00Z"), freezeFile(sunday))).toMatchObject({
      reason: "frozen",
      pinnableAt: at("2026-11-30T08:00:00Z"),
      message: "production is frozen by U0ALICE001 until Sun 13:00 CET (in 2 d 3 h); then the window opens Mon 09:00 CET, in 2 d 23 h: Black Friday",
    });
    // Thawed at its end exactly.
    expect(canPinNow(production, at("2026-11-30T10:00:00Z"), freezeFile(BLACK_FRIDAY))).toMatchObject({ allowed: true });
  });

  it("an open-ended freeze wins over a timed one and says who can end it", () => {
    const open: Freeze = { environment: "production", by: "U0BOB00001", reason: "incident 42", since: "2026-11-26T00:00:00Z" };
    expect(canPinNow(production, at("2026-11-27T09:00:00Z"), freezeFile(BLACK_FRIDAY, open))).toMatchObject({
      reason: "frozen",
      freeze: open,
      pinnableAt: undefined,
      message: "production is frozen by U0BOB00001 until someone thaws it: incident 42",
    });
  });

  it("ignores freezes of other environments and freezes not yet started", () => {
    const staging = { ...BLACK_FRIDAY, environment: "staging" };
    expect(canPinNow(production, at("2026-11-26T09:00:00Z"), freezeFile(staging, BLACK_FRIDAY))).toMatchObject({ allowed: true });
  });

  it("treats an unreadable freezes file as a freeze, naming the problem", () => {
    expect(canPinNow(production, at("2026-11-24T10:00:00Z"), parseFreezes("freezes: ["))).toMatchObject({
      allowed: false,
      reason: "freezes-unreadable",
      pinnableAt: undefined,
      message: expect.stringMatching(/^production is treated as frozen because its freezes file cannot be read: \.bender\/freezes\.yml is not valid YAML: .+ Fix or delete the file to pin\.$/),
    });
  });

  it("reads the policy with defaults: one approval, no expiry, no self-approval, freezers are the approvers", () => {
    expect(policyOf("slack: { channel: '#deploys', approvers: anyone }")).toEqual({
      environment: "production",
      autoPin: false,
      schedule: undefined,
      approvals: 1,
      approvalsExpireAfterMs: undefined,
      allowSelfApproval: false,
      approvers: "anyone",
      freezers: "anyone",
    });
    expect(production.approvalsExpireAfterMs).toBe(24 * 3600 * 1000);
    expect(releasePolicyFor({ environments: {} }, "production")).toBeUndefined();
    expect(releasePolicyFor({ environments: {} }, "__proto__")).toBeUndefined();
  });
});

describe("break-glass and status lines", () => {
  it("records who overrode which refusal and why, as one-line trailers", () => {
    const frozen = canPinNow(production, at("2026-11-27T09:00:00Z"), freezeFile(BLACK_FRIDAY)) as PinRefusal;
    expect(breakGlassTrailers(frozen, "U0CAROL001", "hotfix for\nthe checkout\r\nCo-authored-by: x", at("2026-11-27T09:05:00Z"))).toEqual([
      "Pinned-during-freeze-by: U0CAROL001",
      "Break-glass-reason: hotfix for the checkout Co-authored-by: x",
      "Break-glass-at: 2026-11-27T09:05:00.000Z",
    ]);
    const outside = canPinNow(production, at("2026-11-28T09:00:00Z"), NONE) as PinRefusal;
    expect(breakGlassTrailers(outside, "U0CAROL001", "hotfix", at("2026-11-28T09:00:00Z"))[0]).toBe("Pinned-outside-window-by: U0CAROL001");
  });

  it("describes a freeze with who, since, until and why", () => {
    expect(describeFreeze(BLACK_FRIDAY, "Europe/Berlin", at("2026-11-27T09:00:00Z"))).toBe("frozen by U0ALICE001 since Fri 09:00 CET until Mon 11:00 CET: Black Friday");
  });
});
