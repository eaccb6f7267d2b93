import { DateTime } from "luxon";
import { describe, expect, it, vi } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { isOpen, releasePolicyFor, renderOpening, scheduleState } from "../../src/policy/index.js";
import type { Schedule } from "../../src/policy/index.js";

const at = (iso: string): number => {
  const instant = Date.parse(iso);
  if (Number.isNaN(instant)) throw new Error(`bad instant ${iso}`);
  return instant;
};
const iso = (instant: number | undefined): string | undefined => (instant === undefined ? undefined : new Date(instant).toISOString());

/** The schedule of a config's production environment, parsed as Bender parses it. */
function scheduleFrom(body: string): Schedule {
  const result = parseConfig(`environments:\n  production:\n    paths: [clusters/prod]\n${body.replace(/^/gm, "    ")}\n`);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  const schedule = releasePolicyFor(result.config, "production")?.schedule;
  if (schedule === undefined) throw new Error("no schedule");
  return schedule;
}

const BERLIN_OFFICE = scheduleFrom('windows: [{ days: [mon, tue, wed, thu], from: "09:00", to: "16:00", timezone: Europe/Berlin }]');

describe("deploy windows at their edges", () => {
  it("opens at from exactly and closes at to exactly (from included, to excluded)", () => {
    // Monday 2026-03-23, CET (UTC+1).
    expect(scheduleState(BERLIN_OFFICE, at("2026-03-23T07:59:59.999Z"))).toEqual({ open: false, opensAt: at("2026-03-23T08:00:00.000Z"), blackout: undefined });
    expect(scheduleState(BERLIN_OFFICE, at("2026-03-23T08:00:00.000Z"))).toEqual({ open: true, closesAt: at("2026-03-23T15:00:00.000Z") });
    expect(scheduleState(BERLIN_OFFICE, at("2026-03-23T14:59:59.999Z"))).toEqual({ open: true, closesAt: at("2026-03-23T15:00:00.000Z") });
    expect(scheduleState(BERLIN_OFFICE, at("2026-03-23T15:00:00.000Z"))).toEqual({ open: false, opensAt: at("2026-03-24T08:00:00.000Z"), blackout: undefined });
  });

  it("from Thursday's closing, opens on Monday at 09:00 local across the spring change (CET to CEST)", () => {
    const now = at("2026-03-26T15:00:00Z"); // Thu 16:00 CET
    const state = scheduleState(BERLIN_OFFICE, now);
    expect(iso(state.open ? undefined : state.opensAt)).toBe("2026-03-30T07:00:00.000Z"); // Mon 09:00 CEST
    expect(renderOpening(at("2026-03-30T07:00:00Z"), "Europe/Berlin", now)).toBe("opens Mon 09:00 CEST, in 3 d 16 h");
    // Friday to Sunday are closed, on both sides of the change.
    for (const instant of ["2026-03-27T10:00:00Z", "2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z", "2026-03-29T10:00:00Z"]) expect(isOpen(BERLIN_OFFICE, at(instant)), instant).toBe(false);
    expect(isOpen(BERLIN_OFFICE, at("2026-03-30T06:59:59.999Z"))).toBe(false);
    expect(isOpen(BERLIN_OFFICE, at("2026-03-30T07:00:00Z"))).toBe(true);
  });

  it("from Thursday's closing, opens on Monday at 09:00 local across the autumn change (CEST to CET)", () => {
    const now = at("2026-10-22T14:00:00Z"); // Thu 16:00 CEST
    const state = scheduleState(BERLIN_OFFICE, now);
    expect(iso(state.open ? undefined : state.opensAt)).toBe("2026-10-26T08:00:00.000Z"); // Mon 09:00 CET
    expect(renderOpening(at("2026-10-26T08:00:00Z"), "Europe/Berlin", now)).toBe("opens Mon 09:00 CET, in 3 d 18 h");
    expect(scheduleState(BERLIN_OFFICE, at("2026-10-26T08:00:00Z"))).toEqual({ open: true, closesAt: at("2026-10-26T15:00:00Z") });
  });

  it("renders the issue's example: opens Mon 09:00 CET, in 2 h 10 min", () => {
    const now = at("2026-01-05T05:50:00Z"); // Mon 06:50 CET
    const state = scheduleState(BERLIN_OFFICE, now);
    if (state.open || state.opensAt === undefined) throw new Error("expected closed with an opening");
    expect(renderOpening(state.opensAt, "Europe/Berlin", now)).toBe("opens Mon 09:00 CET, in 2 h 10 min");
  });

  it("a window that starts in the skipped hour opens when the clock jumps", () => {
    // Sunday 2026-03-29 in Berlin: 02:00 CET jumps to 03:00 CEST at 01:00Z; 02:30 never shows.
    const schedule = scheduleFrom('windows: [{ days: [sun], from: "02:30", to: "04:00", timezone: Europe/Berlin }]');
    expect(scheduleState(schedule, at("2026-03-28T12:00:00Z"))).toEqual({ open: false, opensAt: at("2026-03-29T01:00:00Z"), blackout: undefined });
    expect(isOpen(schedule, at("2026-03-29T00:59:59.999Z"))).toBe(false); // 01:59:59 CET
    expect(scheduleState(schedule, at("2026-03-29T01:00:00Z"))).toEqual({ open: true, closesAt: at("2026-03-29T02:00:00Z") }); // 03:00 to 04:00 CEST
  });

  it("a window in the repeated hour is open both times the clock shows it", () => {
    // Sunday 2026-10-25 in Berlin: 03:00 CEST goes back to 02:00 CET at 01:00Z; 02:00-02:59 shows twice.
    const schedule = scheduleFrom('windows: [{ days: [sun], from: "02:00", to: "02:30", timezone: Europe/Berlin }]');
    const walk: [string, boolean, string | undefined][] = [];
    let now = at("2026-10-24T12:00:00Z");
    for (let step = 0; step < 5; step++) {
      const state = scheduleState(schedule, now);
      const next = state.open ? state.closesAt : state.opensAt;
      walk.push([new Date(now).toISOString(), state.open, iso(next)]);
      if (next === undefined) break;
      now = next;
    }
    expect(walk).toEqual([
      ["2026-10-24T12:00:00.000Z", false, "2026-10-25T00:00:00.000Z"], // opens 02:00 CEST
      ["2026-10-25T00:00:00.000Z", true, "2026-10-25T00:30:00.000Z"], // closes 02:30 CEST
      ["2026-10-25T00:30:00.000Z", false, "2026-10-25T01:00:00.000Z"], // opens again at 02:00 CET
      ["2026-10-25T01:00:00.000Z", true, "2026-10-25T01:30:00.000Z"], // closes 02:30 CET
      ["2026-10-25T01:30:00.000Z", false, "2026-11-01T01:00:00.000Z"], // next Sunday 02:00 CET
    ]);
  });

  it("windows that touch at midnight are one opening", () => {
    const schedule = scheduleFrom('timezone: UTC\nwindows:\n  - { days: [mon], from: "20:00", to: "24:00" }\n  - { days: [tue], from: "00:00", to: "06:00" }');
    expect(scheduleState(schedule, at("2026-01-05T21:00:00Z"))).toEqual({ open: true, closesAt: at("2026-01-06T06:00:00Z") });
    expect(scheduleState(schedule, at("2026-01-06T06:00:00Z"))).toEqual({ open: false, opensAt: at("2026-01-12T20:00:00Z"), blackout: undefined });
  });

  it("windows in several zones: the earliest opening wins", () => {
    const schedule = scheduleFrom('windows:\n  - { days: [mon], from: "09:00", to: "10:00", timezone: Asia/Tokyo }\n  - { days: [sun], from: "20:00", to: "21:00", timezone: America/New_York }');
    // Sun 20:00 EST is Mon 01:00Z; Mon 09:00 JST is Mon 00:00Z (Sun 19:00 EST).
    expect(scheduleState(schedule, at("2026-01-04T12:00:00Z"))).toEqual({ open: false, opensAt: at("2026-01-05T00:00:00Z"), blackout: undefined });
    expect(scheduleState(schedule, at("2026-01-05T00:00:00Z"))).toEqual({ open: true, closesAt: at("2026-01-05T02:00:00Z") });
  });
});

describe("blackouts", () => {
  const HOLIDAYS = scheduleFrom('timezone: Europe/Berlin\nwindows: [{ days: [mon, tue, wed, thu, fri], from: "09:00", to: "16:00" }]\nblackouts: ["2026-12-24", "2026-12-31..2027-01-01"]');

  it("closes a whole local day, names the blackout, and opens on the next day that is not one", () => {
    expect(scheduleState(HOLIDAYS, at("2026-12-24T10:00:00Z"))).toEqual({
      open: false,
      opensAt: at("2026-12-25T08:00:00Z"),
      blackout: { written: "2026-12-24", first: "2026-12-24", last: "2026-12-24" },
    });
    expect(scheduleState(HOLIDAYS, at("2026-12-30T10:00:00Z"))).toEqual({ open: true, closesAt: at("2026-12-30T15:00:00Z") });
    const state = scheduleState(HOLIDAYS, at("2026-12-30T15:00:00Z"));
    expect(iso(state.open ? undefined : state.opensAt)).toBe("2027-01-04T08:00:00.000Z");
    expect(renderOpening(at("2027-01-04T08:00:00Z"), "Europe/Berlin", at("2026-12-30T15:00:00Z"))).toBe("opens Mon 09:00 CET, in 4 d 17 h");
  });

  it("blackout days follow the zone's calendar, not UTC's", () => {
    // 2026-12-23T23:30Z is already the 24th in Berlin.
    const anyTime = scheduleFrom('timezone: Europe/Berlin\nblackouts: ["2026-12-24"]');
    expect(scheduleState(anyTime, at("2026-12-23T22:59:59.999Z"))).toEqual({ open: true, closesAt: at("2026-12-23T23:00:00Z") });
    expect(scheduleState(anyTime, at("2026-12-23T23:30:00Z"))).toMatchObject({ open: false, opensAt: at("2026-12-24T23:00:00Z") });
  });

  it("says nothing opens when blackouts run past the horizon, instead of searching forever", () => {
    const schedule = scheduleFrom('timezone: UTC\nblackouts: ["2026-01-01..2026-12-31", "2027-01-01..2027-12-31", "2028-01-01..2028-12-31"]');
    expect(scheduleState(schedule, at("2026-06-01T00:00:00Z"))).toMatchObject({ open: false, opensAt: undefined });
    expect(scheduleState(schedule, at("2026-06-01T00:00:00Z"), 1000)).toMatchObject({ open: false, opensAt: at("2029-01-01T00:00:00Z") });
  });
});

describe("next opening and closing agree with a minute-by-minute walk", () => {
  const schedules = {
    office: BERLIN_OFFICE,
    nights: scheduleFrom('timezone: Europe/Berlin\nwindows:\n  - { days: [sat, sun], from: "01:30", to: "03:30" }\n  - { days: [sun], from: "23:00", to: "24:00" }\nblackouts: ["2026-10-31"]'),
  };
  // Starts spread over both Berlin changes of 2026, at odd minutes.
  const starts = [at("2026-03-27T23:17:00Z"), at("2026-03-28T22:41:00Z"), at("2026-03-29T00:59:00Z"), at("2026-10-24T23:03:00Z"), at("2026-10-25T00:29:00Z"), at("2026-10-30T20:11:00Z")];

  for (const [name, schedule] of Object.entries(schedules)) {
    it(`${name}: the state holds every minute until the reported change, and differs there`, () => {
      for (const start of starts) {
        const state = scheduleState(schedule, start);
        const change = state.open ? state.closesAt : state.opensAt;
        if (change === undefined) throw new Error("expected a change");
        for (let instant = start; instant < change; instant += 60_000) expect(isOpen(schedule, instant), iso(instant)).toBe(state.open);
        expect(isOpen(schedule, change)).toBe(!state.open);
        expect(isOpen(schedule, change - 1)).toBe(state.open);
      }
    });
  }
});

describe("a long blackout costs a jump, not a walk through its days", () => {
  const LONG = scheduleFrom(
    [
      "timezone: Europe/Berlin",
      "windows:",
      '  - { days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" }',
      '  - { days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00", timezone: America/New_York }',
      '  - { days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00", timezone: Asia/Tokyo }',
      'blackouts: ["2026-01-01..2026-12-31", "2027-01-01..2027-01-10"]',
    ].join("\n"),
  );

  /** Luxon conversions and calendar steps made while `run` runs. */
  function countingSteps<T>(run: () => T): { result: T; steps: number } {
    const conversions = vi.spyOn(DateTime, "fromMillis");
    const additions = vi.spyOn(DateTime.prototype, "plus");
    try {
      const result = run();
      return { result, steps: conversions.mock.calls.length + additions.mock.calls.length };
    } finally {
      conversions.mockRestore();
      additions.mockRestore();
    }
  }

  it("opens at the first window after a year of chained blackouts, in a few dozen steps", () => {
    // Monday 2026-02-02, inside the first blackout. It ends with 2027-01-10 in Berlin (23:00Z); Mon 09:00 in Tokyo is 00:00Z.
    const { result, steps } = countingSteps(() => scheduleState(LONG, at("2026-02-02T10:00:00Z")));
    expect(result).toEqual({ open: false, opensAt: at("2027-01-11T00:00:00Z"), blackout: { written: "2026-01-01..2026-12-31", first: "2026-01-01", last: "2026-12-31" } });
    expect(isOpen(LONG, at("2027-01-10T23:59:59.999Z"))).toBe(false);
    // A walk through the blackout's 343 days in three zones took thousands of steps.
    expect(steps).toBeLessThan(120);
  });

  it("when open, closes at the blackout's start (no jump while open), and the walk after it agrees", () => {
    // Wed 2025-12-31: Berlin's window, then New York's until 17:00 EST (22:00Z); the blackout starts at Berlin's midnight (23:00Z).
    const { result, steps } = countingSteps(() => scheduleState(LONG, at("2025-12-31T08:00:00Z")));
    expect(result).toEqual({ open: true, closesAt: at("2025-12-31T22:00:00Z") });
    expect(steps).toBeLessThan(120);
    expect(scheduleState(LONG, at("2025-12-31T22:30:00Z"))).toMatchObject({ open: false, opensAt: at("2027-01-11T00:00:00Z") });
    const anyTime = scheduleFrom('timezone: Europe/Berlin\nblackouts: ["2026-01-01..2026-12-31"]');
    expect(scheduleState(anyTime, at("2025-12-30T12:00:00Z"))).toEqual({ open: true, closesAt: at("2025-12-31T23:00:00Z") });
    expect(scheduleState(anyTime, at("2026-07-01T12:00:00Z"))).toMatchObject({ open: false, opensAt: at("2026-12-31T23:00:00Z") });
  });
});
