import { describe, expect, it } from "vitest";
import { dismissedLine, pinnedLine, supersededLine, unpinnedLine } from "../../../src/slack/blocks/index.js";

const AT = "2024-05-01T09:30:00.000+02:00";
const DATE = `<!date^${Date.parse(AT) / 1000}^{date_short_pretty} {time}|${AT}>`;
const EVIL = "<!channel> <https://evil.example|x> &";
const INERT = "&lt;!channel&gt; &lt;https://evil.example|x&gt; &amp;";

describe("thread lines", () => {
  it("says what a superseding build pins, and what it replaced", () => {
    expect(supersededLine("ghcr.io/acme/api:1.4.1", "ghcr.io/acme/api:1.4.2")).toBe(
      "Superseded: this proposal now pins `ghcr.io/acme/api:1.4.2` instead of `ghcr.io/acme/api:1.4.1`.",
    );
    expect(supersededLine(undefined, "ghcr.io/acme/api:1.4.2")).toBe("Superseded: this proposal now pins `ghcr.io/acme/api:1.4.2` instead of an earlier build.");
  });

  it("says who pinned, how and when", () => {
    expect(pinnedLine("U012ABCDEF", "slack", AT)).toBe(`Pinned by <@U012ABCDEF> via Slack at ${DATE}.`);
    expect(pinnedLine("octocat", "github", AT)).toBe(`Pinned by octocat via GitHub at ${DATE}.`);
    expect(pinnedLine("bender[bot]", "automatic", AT)).toBe(`Pinned automatically at ${DATE}.`);
  });

  it("says an unpin holds the environment until someone pins again", () => {
    expect(unpinnedLine("U012ABCDEF", AT, "1.4.0")).toBe(`Unpinned by <@U012ABCDEF> at ${DATE}: the environment is held at \`1.4.0\` until someone pins again.`);
    expect(unpinnedLine("U012ABCDEF", AT, "1.4.0", "  latency\nspike ")).toMatch(/ Reason: latency spike$/);
  });

  it("says who dismissed, and leaves out a time it does not know", () => {
    expect(dismissedLine("U012ABCDEF", AT)).toBe(`Dismissed by <@U012ABCDEF> at ${DATE}.`);
    expect(dismissedLine("octocat", "")).toBe("Dismissed by octocat.");
  });

  it("keeps every value inert", () => {
    const lines = [
      supersededLine(EVIL, EVIL),
      pinnedLine(EVIL, "github", EVIL),
      unpinnedLine(EVIL, EVIL, EVIL, EVIL),
      dismissedLine(EVIL, EVIL),
    ];
    for (const line of lines) {
      expect(line).not.toContain("<!channel>");
      expect(line).not.toContain("<https://evil");
      expect(line).toMatch(/&lt;!channel&gt;/);
    }
    expect(pinnedLine(EVIL, "github", AT)).toBe(`Pinned by ${INERT} via GitHub at ${DATE}.`);
  });

  it("bounds long values", () => {
    const long = "x".repeat(50_000);
    for (const line of [supersededLine(long, long), pinnedLine(long, "github", long), unpinnedLine(long, long, long, long), dismissedLine(long, long)]) {
      expect(line.length).toBeLessThan(3000);
    }
  });
});
