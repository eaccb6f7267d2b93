import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import type { BenderConfig, ConfigProblem } from "../../src/config/index.js";

function accepted(text: string): BenderConfig {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(`expected the config to parse:\n${JSON.stringify(result.problems, null, 2)}`);
  return result.config;
}

function problemsOf(text: string): ConfigProblem[] {
  const result = parseConfig(text);
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.config)}`);
  return result.problems;
}

/** A config whose production environment has `body` below its paths (lines numbered from 1; the body starts on line 4). */
function production(body: string): string {
  return `environments:\n  production:\n    paths: [clusters/prod]\n${body.replace(/^/gm, "    ")}\n`;
}

describe("release policy in .github/bender.yml", () => {
  it("reads windows, blackouts, approvals and freezers as written, adding no defaults", () => {
    const config = accepted(
      production(
        [
          "timezone: Europe/Berlin",
          "windows:",
          "  - { days: [mon, tue, wed, thu], from: 09:00, to: \"16:00\" }",
          "  - { days: [fri], from: \"09:00\", to: \"12:00\", timezone: America/New_York }",
          'blackouts: ["2026-12-24", 2026-12-28..2027-01-01]',
          "approvals: 2",
          "approvalsExpireAfter: 1d12h",
          "allowSelfApproval: true",
          "freezers: [U012ABCDEF]",
          "slack: { channel: '#deploys', approvers: [U012ABCDEF, U034ABCDEF] }",
        ].join("\n"),
      ),
    );
    expect(config.environments.production).toEqual({
      paths: ["clusters/prod"],
      autoPin: false,
      timezone: "Europe/Berlin",
      windows: [
        { days: ["mon", "tue", "wed", "thu"], from: "09:00", to: "16:00" },
        { days: ["fri"], from: "09:00", to: "12:00", timezone: "America/New_York" },
      ],
      blackouts: ["2026-12-24", "2026-12-28..2027-01-01"],
      approvals: 2,
      approvalsExpireAfter: "1d12h",
      allowSelfApproval: true,
      freezers: ["U012ABCDEF"],
      slack: { channel: "#deploys", approvers: ["U012ABCDEF", "U034ABCDEF"], confirm: false },
    });
    // An environment without a policy reads exactly as before.
    expect(accepted("environments:\n  dev:\n    paths: [k8s]\n").environments.dev).toEqual({ paths: ["k8s"], autoPin: false });
  });

  it("accepts windows that touch (one ends as the next starts) and windows in different zones", () => {
    const config = accepted(
      production(
        [
          "windows:",
          '  - { days: [mon], from: "20:00", to: "24:00", timezone: UTC }',
          '  - { days: [mon, tue], from: "00:00", to: "20:00", timezone: UTC }',
          '  - { days: [mon], from: "10:00", to: "12:00", timezone: Asia/Tokyo }',
        ].join("\n"),
      ),
    );
    expect(config.environments.production?.windows).toHaveLength(3);
  });

  it("names an unknown time zone with its line, what is allowed, and the zone it most likely meant", () => {
    const problems = problemsOf(production('windows:\n  - days: [mon]\n    from: "09:00"\n    to: "16:00"\n    timezone: Europe/Berln'));
    expect(problems).toEqual([
      {
        code: "invalid-value",
        file: ".github/bender.yml",
        path: "environments.production.windows[0].timezone",
        line: 8,
        value: "Europe/Berln",
        message:
          '"Europe/Berln" is not a time zone: write an IANA time zone name such as Europe/Berlin, America/New_York or UTC (a name, not an offset, so daylight saving is followed). Did you mean "Europe/Berlin"?',
      },
    ]);
  });

  it("refuses offsets written as zones, which would not follow daylight saving", () => {
    for (const zone of ["UTC+1", "GMT-05:00", "+01:00"]) {
      const [problem] = problemsOf(production(`timezone: "${zone}"`));
      expect(problem?.path).toBe("environments.production.timezone");
      expect(problem?.message).toContain("not a time zone");
    }
  });

  it("refuses a window whose end is not after its start, at the line of `to`", () => {
    const problems = problemsOf(production('timezone: UTC\nwindows:\n  - days: [mon]\n    from: "16:00"\n    to: "09:00"'));
    expect(problems).toEqual([
      expect.objectContaining({
        path: "environments.production.windows[0].to",
        line: 8,
        value: "09:00",
        message: expect.stringContaining('closes at 09:00, not after it opens at 16:00: "to" must be later than "from"'),
      }),
    ]);
    expect(problemsOf(production('timezone: UTC\nwindows: [{ days: [mon], from: "09:00", to: "09:00" }]'))[0]?.path).toBe("environments.production.windows[0].to");
  });

  it("refuses overlapping windows in one zone, naming both, the shared days and the hours", () => {
    const problems = problemsOf(
      production(
        [
          "timezone: Europe/Berlin",
          "windows:",
          '  - { days: [mon, tue, wed], from: "09:00", to: "16:00" }',
          '  - { days: [fri], from: "09:00", to: "16:00" }',
          '  - { days: [tue, wed, sun], from: "15:00", to: "18:00" }',
        ].join("\n"),
      ),
    );
    expect(problems).toEqual([
      expect.objectContaining({
        path: "environments.production.windows[2]",
        line: 8,
        message: "overlaps windows[0] on tue, wed (09:00–16:00 and 15:00–18:00 in Europe/Berlin): join them into one window or change the hours so they do not overlap",
      }),
    ]);
  });

  it("refuses bad durations with the rule", () => {
    for (const written of ["24 hours", "0m", "400d", "1h1d", "1.5h", "90"]) {
      const problems = problemsOf(production(`approvalsExpireAfter: "${written}"`));
      expect(problems, written).toEqual([
        expect.objectContaining({
          path: "environments.production.approvalsExpireAfter",
          line: 4,
          message: `"${written}" is not a duration: write whole days, hours and minutes, largest first, e.g. "30m", "24h", "1d12h" (at least 1 minute, at most 366 days)`,
        }),
      ]);
    }
    expect(problemsOf(production("approvalsExpireAfter: 24"))[0]?.message).toContain("must be a duration as text");
  });

  it("refuses times that are not HH:MM, and 24:00 as an opening", () => {
    const problems = problemsOf(production('timezone: UTC\nwindows: [{ days: [mon], from: "9:00", to: "25:00" }, { days: [tue], from: "24:00", to: "24:00" }]'));
    expect(problems.map((problem) => [problem.path, problem.message])).toEqual([
      ["environments.production.windows[0].from", '"9:00" is not a time of day: write "HH:MM" from "00:00" to "23:59", two digits each, e.g. "09:00"'],
      ["environments.production.windows[0].to", '"25:00" is not a time of day: write "HH:MM" from "00:00" to "24:00" (the end of the day), two digits each, e.g. "09:00"'],
      ["environments.production.windows[1].from", '"24:00" is not a time of day: write "HH:MM" from "00:00" to "23:59", two digits each, e.g. "09:00"'],
    ]);
  });

  it("refuses unknown and repeated days, and suggests the key a misspelt one meant", () => {
    const problems = problemsOf(production('timezone: UTC\nwindows:\n  - days: [mon, monday, mon]\n    form: "09:00"\n    to: "16:00"'));
    expect(problems.map((problem) => [problem.path, problem.line, problem.message])).toEqual([
      ["environments.production.windows[0].days[1]", 6, '"monday" is not a day: write one of mon, tue, wed, thu, fri, sat, sun'],
      ["environments.production.windows[0].from", 6, 'is required: a time of day as text, "HH:MM" from "00:00" to "23:59", e.g. "09:00" (quote it)'],
      ["environments.production.windows[0].form", 7, 'unknown key "form": did you mean "from"? Allowed here: days, from, to, timezone.'],
    ]);
    expect(problemsOf(production('timezone: UTC\nwindows: [{ days: [mon, mon], from: "09:00", to: "16:00" }]'))[0]?.message).toBe("lists a day twice: name each day once");
  });

  it("asks for a time zone when a window or the blackouts have none", () => {
    expect(problemsOf(production('windows: [{ days: [mon], from: "09:00", to: "16:00" }]'))).toEqual([
      expect.objectContaining({ path: "environments.production.windows[0]", line: 4, message: expect.stringContaining("has no time zone: write timezone on the window or on the environment") }),
    ]);
    expect(problemsOf(production('blackouts: ["2026-12-24"]'))).toEqual([
      expect.objectContaining({ path: "environments.production.blackouts", line: 4, message: "blackout dates need a time zone: write timezone on the environment, e.g. timezone: Europe/Berlin" }),
    ]);
    const twoZones = production('blackouts: ["2026-12-24"]\nwindows:\n  - { days: [mon], from: "09:00", to: "16:00", timezone: UTC }\n  - { days: [tue], from: "09:00", to: "16:00", timezone: Asia/Tokyo }');
    expect(problemsOf(twoZones)[0]?.message).toBe("blackout dates need one time zone, and the windows use UTC and Asia/Tokyo: write timezone on the environment");
    // One zone on the windows is the blackouts' zone too.
    expect(accepted(production('blackouts: ["2026-12-24"]\nwindows: [{ days: [mon], from: "09:00", to: "16:00", timezone: UTC }]')).environments.production?.blackouts).toEqual(["2026-12-24"]);
  });

  it("refuses dates that do not exist, reversed ranges and ranges over a year", () => {
    const problems = problemsOf(production('timezone: UTC\nblackouts: ["2026-02-30", "2026-12-31..2026-12-01", "2026-01-01..2027-06-01", "24.12.2026"]'));
    expect(problems.map((problem) => [problem.path, problem.message])).toEqual([
      ["environments.production.blackouts[0]", '"2026-02-30" is not a date or range of dates: write "YYYY-MM-DD" (a real date, e.g. "2026-12-24") or "YYYY-MM-DD..YYYY-MM-DD" (both days included)'],
      ["environments.production.blackouts[1]", "ends on 2026-12-01, before it starts on 2026-12-31: write the earlier date first"],
      ["environments.production.blackouts[2]", "spans 517 days; a blackout spans at most 366 (freeze the environment instead)"],
      ["environments.production.blackouts[3]", '"24.12.2026" is not a date or range of dates: write "YYYY-MM-DD" (a real date, e.g. "2026-12-24") or "YYYY-MM-DD..YYYY-MM-DD" (both days included)'],
    ]);
  });

  it("refuses more approvals than listed approvers, unless a user group is listed", () => {
    const base = "slack: { channel: '#deploys', approvers: [U012ABCDEF, U034ABCDEF] }";
    expect(problemsOf(production(`${base}\napprovals: 3`))).toEqual([
      expect.objectContaining({
        path: "environments.production.approvals",
        line: 5,
        message: "asks for 3 approvals, but slack.approvers lists only 2 people: lower approvals or list more approvers (or a user group)",
      }),
    ]);
    expect(accepted(production("slack: { channel: '#deploys', approvers: [U012ABCDEF, S0123ABCD] }\napprovals: 3")).environments.production?.approvals).toBe(3);
    expect(problemsOf(production("approvals: 0"))[0]?.message).toBe("must be at least 1 (one person's Pin merges)");
    expect(problemsOf(production("approvals: 1.5"))[0]?.message).toBe("must be a whole number from 1 to 20");
  });

  it("refuses approvals in an environment that pins automatically", () => {
    expect(problemsOf(production("autoPin: true\napprovals: 2"))).toEqual([
      expect.objectContaining({
        path: "environments.production.approvals",
        line: 5,
        message: "asks for 2 approvals, but autoPin merges every build without any: remove approvals, or set autoPin to false",
      }),
    ]);
    expect(accepted(production("autoPin: true\napprovals: 1")).environments.production?.approvals).toBe(1);
  });

  it("bounds the lists: at most 20 windows and 100 blackouts", () => {
    const windows = Array.from({ length: 21 }, (_, index) => `  - { days: [mon], from: "${String(index).padStart(2, "0")}:00", to: "${String(index).padStart(2, "0")}:30" }`);
    expect(problemsOf(production(`timezone: UTC\nwindows:\n${windows.join("\n")}`)).map((problem) => [problem.path, problem.message])).toEqual([
      ["environments.production.windows", "list at most 20 windows"],
    ]);
    const blackouts = Array.from({ length: 101 }, (_, index) => `"2027-01-01..2027-01-${String((index % 28) + 1).padStart(2, "0")}"`);
    expect(problemsOf(production(`timezone: UTC\nblackouts: [${blackouts.join(", ")}]`)).map((problem) => problem.message)).toEqual(["list at most 100 dates or ranges"]);
  });

  it("lists policy problems together with the rest of the file's", () => {
    const text = 'environments:\n  production:\n    paths: [clusters/prod]\n    autopin: true\n    timezone: Mars/Olympus\n    windows: [{ days: [mon], from: "10:00", to: "09:00" }]\n';
    expect(problemsOf(text).map((problem) => problem.path)).toEqual([
      "environments.production.autopin",
      "environments.production.timezone",
      "environments.production.windows[0].to",
    ]);
  });
});
