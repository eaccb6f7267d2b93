import { describe, expect, it } from "vitest";
import { parseFreezeCommand, parseThawCommand } from "../../src/policy/index.js";
import { PRODUCTION, at, policyOf } from "./policy-support.js";

const POLICIES = [policyOf(PRODUCTION), policyOf("", "staging")];
const NOW = at("2026-11-27T14:00:00Z"); // Fri 15:00 CET
const until = (text: string): string | undefined => {
  const result = parseFreezeCommand(text, "U0ALICE001", NOW, POLICIES);
  if (!result.ok) throw new Error(result.message);
  return result.freeze.until;
};

describe("/bender freeze", () => {
  it("reads environment, end and reason into the freeze to write", () => {
    expect(parseFreezeCommand("production for 2h  load test\tof checkout", "U0ALICE001", NOW, POLICIES)).toEqual({
      ok: true,
      freeze: { environment: "production", by: "U0ALICE001", reason: "load test of checkout", since: "2026-11-27T14:00:00.000Z", until: "2026-11-27T16:00:00.000Z" },
    });
    expect(parseFreezeCommand("production incident 42", "U0ALICE001", NOW, POLICIES)).toEqual({
      ok: true,
      freeze: { environment: "production", by: "U0ALICE001", reason: "incident 42", since: "2026-11-27T14:00:00.000Z" },
    });
  });

  it("reads until-times in the environment's zone, daylight saving included", () => {
    expect(until("production until 16:00 release")).toBe("2026-11-27T15:00:00.000Z"); // today, CET
    expect(until("production until 09:00 release")).toBe("2026-11-28T08:00:00.000Z"); // passed today: tomorrow
    expect(until("production until mon 09:00 weekend")).toBe("2026-11-30T08:00:00.000Z");
    expect(until("production until 2026-12-01 weekend")).toBe("2026-11-30T23:00:00.000Z");
    expect(until("production until 2027-04-01 09:00 quarter")).toBe("2027-04-01T07:00:00.000Z"); // CEST by then
    expect(until("production until 2026-12-01T09:00:00Z exact")).toBe("2026-12-01T09:00:00.000Z");
    // An environment without windows or timezone reads times in UTC.
    const staging = parseFreezeCommand("staging until 16:00 x", "U1", NOW, POLICIES);
    expect(staging.ok && staging.freeze.until).toBe("2026-11-27T16:00:00.000Z");
  });

  it("says what is wrong and what is allowed", () => {
    const message = (text: string): string => {
      const result = parseFreezeCommand(text, "U1", NOW, POLICIES);
      if (result.ok) throw new Error(`expected a refusal for ${text}`);
      return result.message;
    };
    expect(message("")).toBe("Write /bender freeze <environment> [for <duration> | until <time>] <reason>, e.g. /bender freeze production for 2h load test");
    expect(message("prod for 2h x")).toBe('"prod" is not an environment here: use one of production, staging.');
    expect(message("production for 2h")).toMatch(/^Say why, so the channel knows/);
    expect(message("production for two-hours x")).toBe('"two-hours" is not a duration: write whole days, hours and minutes, largest first, e.g. "30m", "24h", "1d12h" (at least 1 minute, at most 366 days).');
    expect(message("production until 2026-11-01 x")).toBe("2026-11-01 has passed: name a time in the future.");
    expect(message("production until 2028-01-01 x")).toBe("2028-01-01 is more than a year away; freeze without an end and thaw by hand.");
    expect(message("production until 25:00 x")).toBe('"25:00" is not a time of day: write HH:MM from 00:00 to 23:59.');
    expect(message("production until someday 09:00 x")).toBe('"someday" is not a day: write one of mon, tue, wed, thu, fri, sat, sun.');
    expect(message(`production ${"x".repeat(501)}`)).toBe("The reason is 501 characters; keep it to 500.");
  });
});

describe("/bender thaw", () => {
  it("names one environment", () => {
    expect(parseThawCommand(" production ", POLICIES)).toEqual({ ok: true, environment: "production" });
    expect(parseThawCommand("", POLICIES)).toMatchObject({ ok: false, message: "Write /bender thaw <environment>, e.g. /bender thaw production" });
    expect(parseThawCommand("production now", POLICIES)).toMatchObject({ ok: false });
    expect(parseThawCommand("qa", POLICIES)).toMatchObject({ ok: false, message: '"qa" is not an environment here: use one of production, staging.' });
  });
});
