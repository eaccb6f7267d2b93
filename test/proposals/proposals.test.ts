import { describe, expect, it } from "vitest";
import type { Build } from "../../src/builds/build.js";
import { proposalBranch, repositorySlug, revertedPullRequestNumber } from "../../src/proposals/branch-name.js";
import { HOLDS_PATH, findHold, parseHolds } from "../../src/proposals/holds.js";
import { codeCell, escapeMarkdown } from "../../src/proposals/markdown.js";
import { decodeMetadata, decodeProposalMetadata, encodeMetadata, withMetadata } from "../../src/proposals/metadata.js";
import type { ProposalMetadata } from "../../src/proposals/metadata.js";
import { planProposal } from "../../src/proposals/plan-proposal.js";
import type { EnvironmentSnapshot } from "../../src/proposals/plan-proposal.js";
import { isOlderVersion } from "../../src/proposals/version-order.js";
import { parsed } from "../support/references.js";

const DEPLOYMENT = "spec:\n  containers:\n    - image: ghcr.io/acme/api:1.4.0\n";

function build(reference: string, source?: Build["source"]): Build {
  return { image: parsed(reference), origin: "webhook", ...(source ? { source } : {}) };
}

function snapshot(overrides: Partial<EnvironmentSnapshot> = {}): EnvironmentSnapshot {
  return {
    environment: "production",
    config: { paths: ["clusters/prod"], autoPin: false } as EnvironmentSnapshot["config"],
    baseBranch: "main",
    files: [{ path: "clusters/prod/api.yaml", text: DEPLOYMENT }],
    unreadable: [],
    holds: { ok: true, holds: [] },
    ...overrides,
  };
}

function metadataFor(reference: string): ProposalMetadata {
  const image = parsed(reference);
  return {
    bender: 1,
    kind: "proposal",
    environment: "production",
    repository: image.repository,
    reference,
    ...(image.tag ? { tag: image.tag } : {}),
    ...(image.digest ? { digest: image.digest } : {}),
    baseBranch: "main",
    changes: [],
  };
}

describe("branch names", () => {
  it.each([
    ["ghcr.io/acme/api", "ghcr.io-acme-api"],
    ["localhost:5000/team/api", "localhost-5000-team-api"],
    ["nginx", "docker.io-library-nginx"],
    ["[::1]:5000/x", "---1--5000-x"],
  ])("%s becomes the slug %s", (reference, slug) => {
    expect(repositorySlug(parsed(reference))).toBe(slug);
  });

  it("names the branch after the environment and the image, and recognises GitHub's revert branches", () => {
    expect(proposalBranch("production", parsed("ghcr.io/acme/api"))).toBe("bender/production/ghcr.io-acme-api");
    expect(revertedPullRequestNumber("revert-42-bender/production/ghcr.io-acme-api")).toBe(42);
    expect(revertedPullRequestNumber("revert-42-feature/x")).toBeUndefined();
    expect(revertedPullRequestNumber("bender/production/x")).toBeUndefined();
  });
});

describe("metadata", () => {
  it("round-trips through a PR body and cannot be closed early by a value", () => {
    const metadata = { ...metadataFor("ghcr.io/acme/api:1.4.1"), changes: [{ file: "a-->b.yaml", line: 1, kind: "container", before: "<x>", after: "y", document: 0, yamlPath: "image" }] };
    const body = withMetadata("Some text", metadata);
    expect(body).not.toContain("a-->b");
    expect(decodeMetadata(body)).toEqual({ ok: true, metadata });
    expect(withMetadata(body, { ...metadata, tag: "1.4.2" })).toContain('"tag":"1.4.2"');
    expect(withMetadata(body, { ...metadata, tag: "1.4.2" }).match(/bender:metadata/g)).toHaveLength(1);
  });

  it("accepts unpin blocks beside proposal blocks, and tells a proposal's readers which is which", () => {
    const { environment, repository, reference, baseBranch } = metadataFor("ghcr.io/acme/api:1.4.1");
    const withoutTag = { bender: 1 as const, kind: "unpin" as const, environment, repository, reference, baseBranch, version: "1.4.0", unpins: 42, changes: [] };
    const body = withMetadata("Unpin", withoutTag);
    expect(decodeMetadata(body)).toEqual({ ok: true, metadata: withoutTag });
    expect(decodeProposalMetadata(body)).toMatchObject({ ok: false, reason: expect.stringMatching(/bender:metadata.*unpin, not a proposal/) as unknown });
    const proposal = metadataFor("ghcr.io/acme/api:1.4.1");
    expect(decodeProposalMetadata(withMetadata("Pin", proposal))).toEqual({ ok: true, metadata: proposal });
    expect(decodeMetadata(withMetadata("Unpin", { ...withoutTag, unpins: undefined } as never)).ok).toBe(false);
    expect(decodeMetadata(encodeMetadata({ ...proposal, kind: "other" } as never)).ok).toBe(false);
  });

  it.each([
    ["no block", "just a body"],
    ["not JSON", "<!-- bender:metadata\n{nope\n-->"],
    ["wrong version", `<!-- bender:metadata\n${JSON.stringify({ ...metadataFor("ghcr.io/acme/api:1"), bender: 2 })}\n-->`],
    ["bad environment", encodeMetadata({ ...metadataFor("ghcr.io/acme/api:1"), environment: "Prod!" })],
  ])("treats a block with %s as absent, with a reason", (_name, body) => {
    const decoded = decodeMetadata(body);
    expect(decoded.ok).toBe(false);
    expect(decoded.ok ? "" : decoded.reason).toMatch(/bender:metadata/);
  });
});

describe("markdown", () => {
  it("escapes prose so nothing becomes a link, a mention or markup", () => {
    expect(escapeMarkdown("[x](javascript:alert(1)) @team *b*")).toBe("\\[x\\]\\(javascript:alert\\(1\\)\\) \\@team \\*b\\*");
  });

  it("puts any value in a code span that keeps a table cell whole", () => {
    expect(codeCell("a|b")).toBe("`a\\|b`");
    expect(codeCell("x`y")).toBe("``x`y``");
    expect(codeCell("`edge`")).toBe("`` `edge` ``");
  });
});

describe("holds", () => {
  const text = "holds:\n  - environment: production\n    repository: ghcr.io/acme/api\n    version: 1.4.0\n    by: \"@owen\"\n";

  it("finds the hold on an (environment, repository), by normalised name", () => {
    const file = parseHolds(text);
    expect(findHold(file, "production", "ghcr.io/acme/api")).toMatchObject({ version: "1.4.0", by: "@owen" });
    expect(findHold(file, "staging", "ghcr.io/acme/api")).toBeUndefined();
    expect(findHold(parseHolds("holds:\n  - environment: production\n    repository: redis\n"), "production", "docker.io/library/redis")).toBeDefined();
  });

  it("treats a missing file as no holds, and an unreadable one as holding everything", () => {
    expect(findHold(parseHolds(undefined), "production", "ghcr.io/acme/api")).toBeUndefined();
    expect(findHold(parseHolds("holds: [unclosed"), "production", "ghcr.io/acme/api")).toBe("unreadable");
    expect(findHold(parseHolds("holds: 3"), "production", "ghcr.io/acme/api")).toBe("unreadable");
  });
});

describe("version order", () => {
  it.each([
    ["1.4.9", "1.5.0", true],
    ["v1.4.9", "1.5.0", true],
    ["1.5.0", "1.4.9", false],
    ["1.5.0-rc.1", "1.5.0", true],
    ["main-abc123", "1.5.0", false],
    ["1.5.0", "main-abc123", false],
    [undefined, "1.5.0", false],
  ])("%s older than %s: %s", (candidate, current, older) => {
    expect(isOlderVersion(candidate, current)).toBe(older);
  });
});

describe("planProposal", () => {
  it("opens a proposal with the engine's changes, title, body and metadata", () => {
    const plan = planProposal(build("ghcr.io/acme/api:1.4.1", { repository: "acme/api", commit: "a".repeat(40), author: "octocat" }), snapshot(), "https://github.com");
    expect(plan).toMatchObject({
      action: "open",
      title: "Pin ghcr.io/acme/api 1.4.1 to production",
      files: [{ path: "clusters/prod/api.yaml", contents: DEPLOYMENT.replace("1.4.0", "1.4.1") }],
      autoPin: false,
      metadata: { environment: "production", reference: "ghcr.io/acme/api:1.4.1", changes: [{ file: "clusters/prod/api.yaml", line: 3, before: "ghcr.io/acme/api:1.4.0" }] },
    });
    if (plan.action !== "open") throw new Error("expected open");
    expect(plan.body).toContain(`[acme/api@aaaaaaa](https://github.com/acme/api/commit/${"a".repeat(40)}) by \\@octocat`);
    // The trailer names what the branch holds, so a reader can tell a branch moved ahead of its PR's text.
    expect(plan.commit.body).toBe("clusters/prod/api.yaml:3 ghcr.io/acme/api:1.4.0 -> ghcr.io/acme/api:1.4.1\n\nBender-Reference: ghcr.io/acme/api:1.4.1");
  });

  it("says why there is nothing to propose", () => {
    expect(planProposal(build("ghcr.io/acme/other:1"), snapshot(), "https://github.com")).toMatchObject({ action: "none", reason: "no-reference" });
    expect(planProposal(build("ghcr.io/acme/api:1.4.0"), snapshot(), "https://github.com")).toMatchObject({ action: "none", reason: "already-current" });
    const open = { metadata: metadataFor("ghcr.io/acme/api:1.5.0") };
    expect(planProposal(build("ghcr.io/acme/api:1.5.0"), snapshot({ openProposal: open }), "https://github.com")).toMatchObject({ reason: "same-build-proposed" });
    expect(planProposal(build("ghcr.io/acme/api:1.4.9"), snapshot({ openProposal: open }), "https://github.com")).toMatchObject({ reason: "older-version" });
  });

  it("never moves an environment backwards: a build older than what the branch runs is not proposed", () => {
    // DEPLOYMENT runs 1.4.0.
    expect(planProposal(build("ghcr.io/acme/api:1.3.9"), snapshot(), "https://github.com")).toMatchObject({
      action: "none",
      reason: "older-than-running",
      detail: "1.3.9 is older than the 1.4.0 that production runs",
    });
    // Tags that are not semantic versions are not ordered (negative control).
    expect(planProposal(build("ghcr.io/acme/api:main-abc"), snapshot(), "https://github.com").action).toBe("open");
    // An open proposal older than what runs is closed rather than left to move the environment back when merged.
    const stale = { metadata: metadataFor("ghcr.io/acme/api:1.3.9") };
    expect(planProposal(build("ghcr.io/acme/api:1.3.9"), snapshot({ openProposal: stale }), "https://github.com")).toMatchObject({ action: "close" });
  });

  it("finishes an automatic pin a write left undone, and only while nothing holds the image and it is still ahead", () => {
    const config = { paths: ["clusters/prod"], autoPin: true } as EnvironmentSnapshot["config"];
    const open = { metadata: metadataFor("ghcr.io/acme/api:1.4.1") };
    expect(planProposal(build("ghcr.io/acme/api:1.4.1"), snapshot({ config, openProposal: open }), "https://github.com")).toMatchObject({ action: "finish", pin: true });
    const held = parseHolds("holds:\n  - environment: production\n    repository: ghcr.io/acme/api\n    version: 1.4.0\n");
    expect(planProposal(build("ghcr.io/acme/api:1.4.1"), snapshot({ config, openProposal: open, holds: held }), "https://github.com")).toMatchObject({ reason: "same-build-proposed" });
    expect(planProposal(build("ghcr.io/acme/api:1.4.1"), snapshot({ openProposal: open }), "https://github.com")).toMatchObject({ reason: "same-build-proposed" });
  });

  it("reads a branch moved ahead of its PR's text as the newer proposal", () => {
    // Another writer moved the branch to 1.4.3 and has not rewritten the PR (still 1.4.1) yet.
    const moving = { metadata: metadataFor("ghcr.io/acme/api:1.4.1"), branchReference: "ghcr.io/acme/api:1.4.3" };
    expect(planProposal(build("ghcr.io/acme/api:1.4.2"), snapshot({ openProposal: moving }), "https://github.com")).toMatchObject({ reason: "older-version", detail: "1.4.2 is older than the proposed 1.4.3" });
    expect(planProposal(build("ghcr.io/acme/api:1.4.4"), snapshot({ openProposal: moving }), "https://github.com").action).toBe("supersede");
    // The branch agrees with the PR: the PR's version decides (negative control).
    const settled = { metadata: metadataFor("ghcr.io/acme/api:1.4.1"), branchReference: "ghcr.io/acme/api:1.4.1" };
    expect(planProposal(build("ghcr.io/acme/api:1.4.2"), snapshot({ openProposal: settled }), "https://github.com").action).toBe("supersede");
  });

  it("supersedes an open proposal for an older build, or one whose metadata cannot be trusted", () => {
    const older = { metadata: metadataFor("ghcr.io/acme/api:1.4.0") };
    expect(planProposal(build("ghcr.io/acme/api:1.4.1"), snapshot({ openProposal: older }), "https://github.com").action).toBe("supersede");
    const untrusted = { metadata: undefined, metadataProblem: "invalid" };
    expect(planProposal(build("ghcr.io/acme/api:1.4.1"), snapshot({ openProposal: untrusted }), "https://github.com").action).toBe("supersede");
  });

  it("pins automatically only when nothing holds the image", () => {
    const config = { paths: ["clusters/prod"], autoPin: true } as EnvironmentSnapshot["config"];
    expect(planProposal(build("ghcr.io/acme/api:1.4.1"), snapshot({ config }), "https://github.com")).toMatchObject({ autoPin: true });
    const held = parseHolds("holds:\n  - environment: production\n    repository: ghcr.io/acme/api\n    version: 1.4.0\n    by: owen\n");
    const plan = planProposal(build("ghcr.io/acme/api:1.4.1"), snapshot({ config, holds: held }), "https://github.com");
    expect(plan).toMatchObject({ autoPin: false, heldBecause: "held at 1.4.0 by owen" });
    expect(plan.action === "open" && plan.body).toContain("Held: held at 1\\.4\\.0 by owen");
  });

  it("waits when the release policy says not now (a freeze, outside the windows), saying why; a manual environment's plan is unchanged", () => {
    const notNow = "production is frozen by alice until someone thaws it: quarter close";
    const automatic = { paths: ["clusters/prod"], autoPin: true } as EnvironmentSnapshot["config"];
    expect(planProposal(build("ghcr.io/acme/api:1.4.1"), snapshot({ config: automatic, notNow }), "https://github.com")).toMatchObject({ action: "open", autoPin: false, heldBecause: notNow });
    const manual = planProposal(build("ghcr.io/acme/api:1.4.1"), snapshot({ notNow }), "https://github.com");
    expect(manual).toMatchObject({ action: "open", autoPin: false, heldBecause: undefined });
  });

  it("releases the hold when the proposal is pinned: the holds file without it is part of the proposal", () => {
    const holdsText = [
      "# Written by Bender when someone unpins",
      "holds:",
      "  - environment: production",
      "    repository: ghcr.io/acme/api:1.3.0",
      "    version: 1.4.0",
      "  - environment: staging",
      "    repository: ghcr.io/acme/api",
      "",
    ].join("\n");
    const plan = planProposal(build("ghcr.io/acme/api:1.4.1"), snapshot({ holds: parseHolds(holdsText) }), "https://github.com");
    if (plan.action !== "open") throw new Error("expected open");
    expect(plan.files.map((file) => file.path)).toEqual(["clusters/prod/api.yaml", HOLDS_PATH]);
    const released = parseHolds(plan.files[1]?.contents);
    expect(released.ok && released.holds).toEqual([{ environment: "staging", repository: "ghcr.io/acme/api" }]);
    expect(plan.body).toContain("- Pinning releases the hold: this pull request also removes it from `.bender/holds.yml`");
    expect(plan.heldBecause).toBe("held at 1.4.0");
    // The changes reported are the manifest's only.
    expect(plan.changes.map((change) => change.file)).toEqual(["clusters/prod/api.yaml"]);
  });

  it("leaves the holds file alone when nothing holds the image, or when it cannot be read", () => {
    const other = parseHolds("holds:\n  - environment: staging\n    repository: ghcr.io/acme/api\n");
    const free = planProposal(build("ghcr.io/acme/api:1.4.1"), snapshot({ holds: other }), "https://github.com");
    expect(free.action === "open" && free.files.map((file) => file.path)).toEqual(["clusters/prod/api.yaml"]);
    expect(free.action === "open" && free.body).not.toContain("Pinning releases the hold");
    const unreadable = planProposal(build("ghcr.io/acme/api:1.4.1"), snapshot({ holds: parseHolds("holds: [unclosed") }), "https://github.com");
    expect(unreadable).toMatchObject({ action: "open", autoPin: false, files: [{ path: "clusters/prod/api.yaml" }] });
    expect(unreadable.action === "open" && unreadable.files).toHaveLength(1);
  });

  it("releases a hold given without the file's text, and never reads the holds file as a manifest", () => {
    const holds = { ok: true as const, holds: [{ environment: "production", repository: "ghcr.io/acme/api", version: "1.4.0" }] };
    const holdsFile = { path: HOLDS_PATH, text: "holds:\n  - environment: production\n    repository: ghcr.io/acme/api\n    version: 1.4.0\n" };
    const plan = planProposal(build("ghcr.io/acme/api:1.4.1"), snapshot({ holds, files: [...snapshot().files, holdsFile] }), "https://github.com");
    if (plan.action !== "open") throw new Error("expected open");
    expect(plan.changes).toHaveLength(1);
    expect(plan.files.map((file) => file.path)).toEqual(["clusters/prod/api.yaml", HOLDS_PATH]);
    expect(parseHolds(plan.files[1]?.contents)).toMatchObject({ ok: true, holds: [] });
  });
});
