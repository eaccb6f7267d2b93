import { describe, expect, it } from "vitest";
import { describeBuild } from "../../src/builds/index.js";
import type { BuildSource } from "../../src/builds/index.js";
import { parsed } from "../support/references.js";

const DIGEST = "sha256:abcdef1234567890abcdef1234567890abcdef1234567890abcdef1234567890";
const COMMIT = "abc1234def5678abc1234def5678abc1234def56";

describe("describeBuild", () => {
  it.each<{ image: string; source?: BuildSource; line: string }>([
    {
      image: `ghcr.io/acme/api:1.4.1@${DIGEST}`,
      source: { repository: "acme/api", commit: COMMIT, author: "octocat", url: "https://github.com/acme/api/actions/runs/1" },
      line: "ghcr.io/acme/api:1.4.1 (sha256:abcdef123456) from acme/api@abc1234 by octocat",
    },
    { image: "ghcr.io/acme/api:1.4.1", line: "ghcr.io/acme/api:1.4.1" },
    { image: `ghcr.io/acme/api@${DIGEST}`, line: "ghcr.io/acme/api@sha256:abcdef123456" },
    { image: "ghcr.io/acme/api:1.4.1", source: { repository: "acme/api" }, line: "ghcr.io/acme/api:1.4.1 from acme/api" },
    { image: "ghcr.io/acme/api:1.4.1", source: { commit: COMMIT }, line: "ghcr.io/acme/api:1.4.1 at abc1234" },
    { image: "ghcr.io/acme/api:1.4.1", source: { author: "octocat" }, line: "ghcr.io/acme/api:1.4.1 by octocat" },
    { image: "ghcr.io/acme/api:1.4.1", source: {}, line: "ghcr.io/acme/api:1.4.1" },
  ])("$line", ({ image, source, line }) => {
    const build = source === undefined ? { image: parsed(image), origin: "webhook" as const } : { image: parsed(image), source, origin: "webhook" as const };
    expect(describeBuild(build)).toBe(line);
  });
});
