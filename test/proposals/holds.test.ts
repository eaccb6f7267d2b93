import { describe, expect, it } from "vitest";
import { HOLDS_COMMENT, findHold, parseHolds, renderHolds, withHold, withoutHold } from "../../src/proposals/holds.js";
import type { Hold } from "../../src/proposals/holds.js";

const HOLD: Hold = { environment: "production", repository: "ghcr.io/acme/api", version: "1.4.0", by: "@owen", at: "2026-11-26T10:00:00Z", reason: "error rate after 1.4.1" };
const COMMENT = HOLDS_COMMENT.split("\n").map((line) => `# ${line}`).join("\n");

describe("withHold", () => {
  it("writes a new file opened by the comment that explains it", () => {
    const text = withHold(undefined, HOLD);
    expect(text).toBe(
      [
        COMMENT,
        "",
        "holds:",
        "  - environment: production",
        "    repository: ghcr.io/acme/api",
        "    version: 1.4.0",
        '    by: "@owen"',
        '    at: "2026-11-26T10:00:00Z"',
        "    reason: error rate after 1.4.1",
        "",
      ].join("\n"),
    );
    expect(COMMENT).toContain("Delete an entry to release it.");
    expect(parseHolds(text)).toMatchObject({ ok: true, holds: [HOLD] });
  });

  it("replaces the hold on the same environment and repository (by normalised name) and keeps the others", () => {
    const existing = [
      "holds:",
      "  # staging is held for the migration",
      "  - environment: staging",
      "    repository: ghcr.io/acme/api",
      "    version: 1.3.0",
      "  - environment: production",
      "    repository: ghcr.io/acme/api:1.2.0",
      "    version: old",
      "  - environment: production",
      "    repository: redis",
      "",
    ].join("\n");
    const text = withHold(existing, HOLD);
    expect(text.startsWith(`${COMMENT}\n`)).toBe(true);
    expect(text).toContain("# staging is held for the migration");
    const file = parseHolds(text);
    expect(file.ok && file.holds).toEqual([
      { environment: "staging", repository: "ghcr.io/acme/api", version: "1.3.0" },
      HOLD,
      { environment: "production", repository: "redis" },
    ]);
    // The comment is written once, however often the file is edited.
    expect(withHold(text, { ...HOLD, version: "1.3.9" }).split("Written by Bender").length).toBe(2);
  });

  it("keeps a version a string under YAML 1.1 and 1.2, and grows an empty flow list into a block list", () => {
    const text = withHold("holds: []\n", { environment: "production", repository: "ghcr.io/acme/api", version: "1.10" });
    expect(text).toContain('version: "1.10"');
    expect(text).toContain("holds:\n  - environment: production\n");
    expect(findHold(parseHolds(text), "production", "ghcr.io/acme/api")).toMatchObject({ version: "1.10" });
  });

  it("rewrites a file it cannot edit with the new hold and keeps the old text as comments", () => {
    const text = withHold("holds: [unclosed\n", HOLD);
    expect(findHold(parseHolds(text), "production", "ghcr.io/acme/api")).toEqual(HOLD);
    expect(text).toContain("\n# holds: [unclosed\n");
    expect(withHold("holds: 3\n", HOLD)).toContain("\n# holds: 3\n");
  });
});

describe("withoutHold", () => {
  const text = renderHolds([HOLD, { environment: "staging", repository: "ghcr.io/acme/api", version: "1.3.0" }]);

  it("removes only the hold on that environment and repository", () => {
    const released = withoutHold(text, "production", "ghcr.io/acme/api");
    expect(released?.startsWith(`${COMMENT}\n`)).toBe(true);
    const file = parseHolds(released);
    expect(file.ok && file.holds).toEqual([{ environment: "staging", repository: "ghcr.io/acme/api", version: "1.3.0" }]);
    expect(parseHolds(withoutHold(released, "staging", "ghcr.io/acme/api"))).toMatchObject({ ok: true, holds: [] });
  });

  it("matches the repository by its normalised name", () => {
    const hub = renderHolds([{ environment: "production", repository: "redis" }]);
    expect(parseHolds(withoutHold(hub, "production", "docker.io/library/redis"))).toMatchObject({ ok: true, holds: [] });
  });

  it("returns undefined when nothing changes", () => {
    expect(withoutHold(undefined, "production", "ghcr.io/acme/api")).toBeUndefined();
    expect(withoutHold(text, "production", "ghcr.io/acme/other")).toBeUndefined();
    expect(withoutHold(text, "qa", "ghcr.io/acme/api")).toBeUndefined();
    expect(withoutHold("holds: [unclosed", "production", "ghcr.io/acme/api")).toBeUndefined();
  });
});

describe("parseHolds", () => {
  it("keeps the text it read, for the writers", () => {
    expect(parseHolds("holds: []\n")).toEqual({ ok: true, holds: [], text: "holds: []\n" });
    expect(parseHolds(undefined)).toEqual({ ok: true, holds: [] });
  });
});
