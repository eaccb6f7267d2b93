import { describe, expect, it } from "vitest";
import {
  FREEZES_BUDGET,
  FREEZES_COMMENT,
  expiredFreezes,
  freezesInForce,
  parseFreezes,
  renderFreezes,
  withFreeze,
  withoutFreezes,
} from "../../src/policy/index.js";
import type { Freeze } from "../../src/policy/index.js";

const FREEZE: Freeze = { environment: "production", by: "U012ABCDEF", reason: "Black Friday: no changes", since: "2026-11-27T08:00:00Z", until: "2026-11-30T08:00:00Z" };
const COMMENT = FREEZES_COMMENT.split("\n").map((line) => `# ${line}`).join("\n");
const at = Date.parse;

describe("the freezes file", () => {
  it("writes a new file opened by the comment that explains it, with who, why, since and until", () => {
    const text = withFreeze(undefined, FREEZE);
    expect(text).toBe(
      [
        COMMENT,
        "",
        "freezes:",
        "  - environment: production",
        "    by: U012ABCDEF",
        '    reason: "Black Friday: no changes"',
        '    since: "2026-11-27T08:00:00Z"',
        '    until: "2026-11-30T08:00:00Z"',
        "",
      ].join("\n"),
    );
    expect(parseFreezes(text)).toEqual({ ok: true, freezes: [FREEZE], text });
    expect(renderFreezes([FREEZE])).toBe(text);
  });

  it("replaces the freeze of the same environment, keeps the others and their comments, and thaws by environment", () => {
    const existing = ["freezes:", "  # staging waits for the migration", "  - { environment: staging, by: U0STAGING1, reason: migration, since: '2026-11-01T00:00:00Z' }", "  - environment: production", "    by: someone", "    reason: old", "    since: '2026-01-01T00:00:00Z'", ""].join("\n");
    const text = withFreeze(existing, FREEZE);
    expect(text).toContain("# staging waits for the migration");
    const file = parseFreezes(text);
    expect(file.ok && file.freezes.map((freeze) => [freeze.environment, freeze.reason])).toEqual([
      ["staging", "migration"],
      ["production", "Black Friday: no changes"],
    ]);
    expect(withFreeze(text, { ...FREEZE, reason: "again" }).split("Written by Bender").length).toBe(2);

    const thawed = withoutFreezes(text, ["production"]);
    const after = parseFreezes(thawed);
    expect(after.ok && after.freezes.map((freeze) => freeze.environment)).toEqual(["staging"]);
    expect(parseFreezes(withoutFreezes(thawed, ["staging"]))).toMatchObject({ ok: true, freezes: [] });
    expect(withoutFreezes(thawed, ["production"])).toBeUndefined();
    expect(withoutFreezes(undefined, ["production"])).toBeUndefined();
  });

  it("keeps a file it cannot edit as comments below the new freeze", () => {
    const text = withFreeze("freezes: tomorrow\n", FREEZE);
    expect(parseFreezes(text)).toMatchObject({ ok: true, freezes: [FREEZE] });
    expect(text).toContain("# The previous contents could not be read as a list of freezes, so Bender kept them here:\n# freezes: tomorrow\n");
  });

  it("knows which freezes are in force (since included, until excluded) and which have expired", () => {
    const open: Freeze = { environment: "production", by: "U1", reason: "incident", since: "2026-11-27T10:00:00+01:00" };
    const file = parseFreezes(renderFreezes([FREEZE, { ...open, environment: "staging" }]));
    expect(freezesInForce(file, "production", at("2026-11-27T07:59:59.999Z"))).toEqual([]);
    expect(freezesInForce(file, "production", at("2026-11-27T08:00:00Z"))).toEqual([FREEZE]);
    expect(freezesInForce(file, "production", at("2026-11-30T07:59:59.999Z"))).toEqual([FREEZE]);
    expect(freezesInForce(file, "production", at("2026-11-30T08:00:00Z"))).toEqual([]);
    expect(freezesInForce(file, "staging", at("2030-01-01T00:00:00Z"))).toHaveLength(1);
    expect(expiredFreezes(file, at("2026-11-30T07:59:59Z"))).toEqual([]);
    expect(expiredFreezes(file, at("2026-11-30T08:00:00Z"))).toEqual([FREEZE]);
  });

  it("an unreadable file freezes every environment", () => {
    const file = parseFreezes("freezes: [");
    expect(file).toMatchObject({ ok: false, problem: "invalid-yaml" });
    expect(freezesInForce(file, "anything", 0)).toBe("unreadable");
    expect(expiredFreezes(file, 0)).toEqual([]);
  });
});

describe("hostile freezes files are refused by name", () => {
  const entry = "  - { environment: production, by: U1, reason: r, since: '2026-11-27T08:00:00Z' }\n";

  it("refuses a file over the length budget before parsing it", () => {
    const text = `freezes:\n${"#".repeat(FREEZES_BUDGET.maxLength)}\n`;
    expect(parseFreezes(text)).toEqual({ ok: false, problem: "too-large", reason: `.bender/freezes.yml is ${text.length} characters long; a freezes file is at most 64000` });
    expect(withFreeze(text, FREEZE)).toContain("over the budget of 64000) were not kept here; git history has them.");
  });

  it("refuses aliases that expand past the budget (a billion laughs)", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let level = 1; level < 8; level++) lines.push(`${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${Array(10).fill(`*${String.fromCharCode(96 + level)}`).join(", ")}]`);
    lines.push("freezes: []");
    expect(parseFreezes(lines.join("\n"))).toMatchObject({ ok: false, problem: "too-many-aliases" });
  });

  it("refuses more entries than the budget", () => {
    expect(parseFreezes(`freezes:\n${entry.repeat(FREEZES_BUDGET.maxFreezes)}`)).toMatchObject({ ok: true });
    expect(parseFreezes(`freezes:\n${entry.repeat(FREEZES_BUDGET.maxFreezes + 1)}`)).toEqual({ ok: false, problem: "too-many-freezes", reason: ".bender/freezes.yml lists more than 100 freezes" });
  });

  it("refuses entries with a bad time, an end before the start, long or multi-line text, or a bad environment, naming where", () => {
    const cases: [string, string][] = [
      ["{ environment: production, by: U1, reason: r, since: tomorrow }", "freezes.0.since: must be a time with its zone, e.g. 2026-11-27T14:00:00Z"],
      ["{ environment: production, by: U1, reason: r, since: '2026-11-27T08:00:00' }", "freezes.0.since: must be a time with its zone, e.g. 2026-11-27T14:00:00Z"],
      ["{ environment: production, by: U1, reason: r, since: '2026-11-27T08:00:00Z', until: '2026-11-27T07:00:00Z' }", "freezes.0.until: must be later than since"],
      [`{ environment: production, by: U1, reason: ${"x".repeat(501)}, since: '2026-11-27T08:00:00Z' }`, "freezes.0.reason: must be at most 500 characters"],
      ['{ environment: production, by: U1, reason: "a\\nb", since: \'2026-11-27T08:00:00Z\' }', "freezes.0.reason: must be one line of text"],
      ["{ environment: ../prod, by: U1, reason: r, since: '2026-11-27T08:00:00Z' }", "freezes.0.environment: must be an environment name"],
    ];
    for (const [written, reason] of cases) {
      expect(parseFreezes(`freezes:\n  - ${written}\n`), written).toEqual({ ok: false, problem: "invalid-freeze", reason: `.bender/freezes.yml is invalid at ${reason}` });
    }
  });

  it("refuses duplicate keys rather than guessing which one counts", () => {
    expect(parseFreezes("freezes: []\nfreezes: []\n")).toMatchObject({ ok: false, problem: "invalid-yaml" });
  });

  it("reads an empty file, a null list and a missing file as no freezes", () => {
    for (const text of [undefined, "", "freezes:\n", "# nothing\n"]) expect(parseFreezes(text), String(text)).toMatchObject({ ok: true, freezes: [] });
  });
});
