import { describe, expect, it } from "vitest";
import type { Change } from "../../src/manifests/index.js";
import { bumpFile } from "../../src/manifests/index.js";
import { HOLDS_PATH, parseHolds, renderHolds } from "../../src/proposals/holds.js";
import { decodeMetadata, decodeProposalMetadata } from "../../src/proposals/metadata.js";
import type { ProposalMetadata } from "../../src/proposals/metadata.js";
import { heldVersion, planUnpin } from "../../src/proposals/plan-unpin.js";
import type { UnpinInput } from "../../src/proposals/plan-unpin.js";
import { parsed } from "../support/references.js";

const DEPLOYMENT = "spec:\n  containers:\n    - image: ghcr.io/acme/api:1.4.0 # api\n";
const VALUES = "api:\n  image:\n    repository: ghcr.io/acme/api\n    tag: '1.4.0'\n";
const PR_URL = "https://github.com/acme/deploy/pull/42";

/** Pins 1.4.1 over the given files, as a merged proposal would have, and returns its metadata and the pinned texts. */
function pinned(files: Record<string, string>, reference = "ghcr.io/acme/api:1.4.1"): { metadata: ProposalMetadata; files: { path: string; text: string }[] } {
  const image = parsed(reference);
  const changes: Change[] = [];
  const after: { path: string; text: string }[] = [];
  for (const [path, text] of Object.entries(files)) {
    const outcome = bumpFile(path, text, image);
    changes.push(...outcome.changes);
    after.push({ path, text: outcome.text ?? text });
  }
  return {
    metadata: {
      bender: 1,
      kind: "proposal",
      environment: "production",
      repository: image.repository,
      reference,
      ...(image.tag ? { tag: image.tag } : {}),
      ...(image.digest ? { digest: image.digest } : {}),
      baseBranch: "main",
      changes: changes.map(({ file, line, kind, before, after: value, document, yamlPath }) => ({ file, line, kind, before, after: value, document, yamlPath })),
    },
    files: after,
  };
}

function input(overrides: Partial<UnpinInput> & Pick<UnpinInput, "pinned" | "files">): UnpinInput {
  return {
    pinnedPullRequest: { number: 42, url: PR_URL },
    holdsText: undefined,
    by: "@owen",
    at: "2026-11-26T10:00:00Z",
    reason: "error rate [after] 1.4.1",
    webUrl: "https://github.com",
    ...overrides,
  };
}

describe("planUnpin", () => {
  it("restores every value, holds the image at the restored version, and says so", () => {
    const pin = pinned({ "clusters/prod/api.yaml": DEPLOYMENT, "clusters/prod/values.yaml": VALUES });
    const plan = planUnpin(input({ pinned: pin.metadata, files: pin.files }));
    if (plan.action !== "unpin") throw new Error(`expected an unpin, got ${plan.detail}`);
    expect(plan.title).toBe("Unpin ghcr.io/acme/api 1.4.1 from production (back to 1.4.0)");
    expect(plan.version).toBe("1.4.0");
    expect(plan.files.map((file) => file.path)).toEqual(["clusters/prod/api.yaml", "clusters/prod/values.yaml", HOLDS_PATH]);
    expect(plan.files[0]?.contents).toBe(DEPLOYMENT);
    expect(plan.files[1]?.contents).toBe(VALUES);
    const holds = parseHolds(plan.files[2]?.contents);
    expect(holds.ok && holds.holds).toEqual([
      { environment: "production", repository: "ghcr.io/acme/api", version: "1.4.0", by: "@owen", at: "2026-11-26T10:00:00Z", reason: "error rate [after] 1.4.1" },
    ]);
    expect(plan.hold).toEqual(holds.ok ? holds.holds[0] : undefined);
    expect(plan.restored.map((change) => [change.file, change.line, change.before, change.after])).toEqual([
      ["clusters/prod/api.yaml", 3, "ghcr.io/acme/api:1.4.1", "ghcr.io/acme/api:1.4.0"],
      ["clusters/prod/values.yaml", 4, "1.4.1", "1.4.0"],
    ]);
    expect(plan.conflicts).toEqual([]);
    expect(plan.commit).toEqual({
      headline: plan.title,
      body: "clusters/prod/api.yaml:3 ghcr.io/acme/api:1.4.1 -> ghcr.io/acme/api:1.4.0\nclusters/prod/values.yaml:4 1.4.1 -> 1.4.0\n\nUnpins #42; holds ghcr.io/acme/api at 1.4.0 in production.",
    });
    expect(plan.body).toContain("| `clusters/prod/api.yaml` | 3 | `ghcr.io/acme/api:1.4.1` | `ghcr.io/acme/api:1.4.0` |");
    expect(plan.body).toContain(`- Unpins: [\\#42](${PR_URL})`);
    expect(plan.body).toContain("- Unpinned by \\@owen at 2026\\-11\\-26T10:00:00Z");
    expect(plan.body).toContain("- Reason: error rate \\[after\\] 1\\.4\\.1");
    expect(plan.body).toContain("- Held: `.bender/holds.yml` holds `ghcr.io/acme/api` at `1.4.0` in **production**");
    expect(plan.body).not.toContain("Not restored");
  });

  it("writes a metadata block of kind unpin that round-trips, and that is not taken for a proposal", () => {
    const pin = pinned({ "a.yaml": DEPLOYMENT });
    const plan = planUnpin(input({ pinned: pin.metadata, files: pin.files }));
    if (plan.action !== "unpin") throw new Error("expected an unpin");
    expect(plan.metadata).toEqual({
      bender: 1,
      kind: "unpin",
      environment: "production",
      repository: "ghcr.io/acme/api",
      reference: "ghcr.io/acme/api:1.4.1",
      version: "1.4.0",
      baseBranch: "main",
      unpins: 42,
      changes: [{ file: "a.yaml", line: 3, kind: "container", before: "ghcr.io/acme/api:1.4.1", after: "ghcr.io/acme/api:1.4.0", document: 0, yamlPath: "spec.containers[0].image" }],
    });
    expect(decodeMetadata(plan.body)).toEqual({ ok: true, metadata: plan.metadata });
    expect(decodeProposalMetadata(plan.body)).toEqual({ ok: false, reason: "the bender:metadata block is of an unpin, not a proposal" });
    expect(decodeMetadata(plan.body.replace('"unpins":42', '"unpins":0')).ok).toBe(false);
  });

  it("keeps other holds and replaces an older hold on the same image", () => {
    const pin = pinned({ "a.yaml": DEPLOYMENT });
    const holdsText = renderHolds([
      { environment: "production", repository: "ghcr.io/acme/api", version: "1.0.0" },
      { environment: "staging", repository: "ghcr.io/acme/api", version: "1.3.0" },
    ]);
    const plan = planUnpin(input({ pinned: pin.metadata, files: pin.files, holdsText }));
    const holds = parseHolds(plan.action === "unpin" ? plan.files.at(-1)?.contents : undefined);
    expect(holds.ok && holds.holds.map((hold) => [hold.environment, hold.version])).toEqual([
      ["production", "1.4.0"],
      ["staging", "1.3.0"],
    ]);
  });

  it("restores what it can and lists the values changed since", () => {
    const pin = pinned({ "a.yaml": DEPLOYMENT, "b.yaml": VALUES, "gone.yaml": DEPLOYMENT });
    const files = [
      { path: "a.yaml", text: pin.files[0]!.text.replace("1.4.1", "1.5.0") },
      pin.files[1]!,
    ];
    const plan = planUnpin(input({ pinned: pin.metadata, files }));
    if (plan.action !== "unpin") throw new Error("expected an unpin");
    expect(plan.files.map((file) => file.path)).toEqual(["b.yaml", HOLDS_PATH]);
    expect(plan.conflicts).toEqual([
      { file: "a.yaml", line: 3, yamlPath: "spec.containers[0].image", expected: "ghcr.io/acme/api:1.4.1", found: "ghcr.io/acme/api:1.5.0", reason: "the value changed since the pin" },
      { file: "gone.yaml", line: 3, yamlPath: "spec.containers[0].image", expected: "ghcr.io/acme/api:1.4.1", found: undefined, reason: "the file is no longer on main" },
    ]);
    expect(plan.body).toContain(
      "- Not restored: `a.yaml` line 3 (`spec.containers[0].image`): the pin wrote `ghcr.io/acme/api:1.4.1`, it reads `ghcr.io/acme/api:1.5.0` now; the value changed since the pin.",
    );
    expect(plan.body).toContain("- Not restored: `gone.yaml` line 3 (`spec.containers[0].image`): the pin wrote `ghcr.io/acme/api:1.4.1`, it reads nothing now;");
  });

  it("plans nothing when every value changed since, or is already back", () => {
    const pin = pinned({ "a.yaml": DEPLOYMENT });
    const changed = planUnpin(input({ pinned: pin.metadata, files: [{ path: "a.yaml", text: DEPLOYMENT.replace("1.4.0", "1.6.0") }] }));
    expect(changed).toMatchObject({ action: "none", reason: "conflict", conflicts: [{ file: "a.yaml", found: "ghcr.io/acme/api:1.6.0" }] });
    expect(changed.action === "none" && changed.detail).toMatch(/^every value #42 pinned has changed since/);
    const back = planUnpin(input({ pinned: pin.metadata, files: [{ path: "a.yaml", text: DEPLOYMENT }] }));
    expect(back).toEqual({ action: "none", reason: "nothing-to-restore", detail: "every value #42 changed already holds its previous value in production", conflicts: [] });
  });

  it("names the hold's version by the tag the values agree on, or the first value", () => {
    const change = (kind: Change["kind"], after: string): Change => ({ file: "f", line: 1, kind, before: "x", after, document: 0, yamlPath: "p" });
    const digest = `sha256:${"e".repeat(64)}`;
    expect(heldVersion([change("container", `ghcr.io/acme/api:1.4.0@${digest}`), change("helm-tag", "1.4.0"), change("helm-digest", digest)])).toBe("1.4.0");
    expect(heldVersion([change("argocd-kustomize", "api=ghcr.io/acme/api:1.4.0"), change("marker-tag", "1.4.0")])).toBe("1.4.0");
    expect(heldVersion([change("helm-tag", "1.4.0"), change("kustomize-tag", "1.3.0")])).toBe("1.4.0");
    expect(heldVersion([change("container", "ghcr.io/acme/api:1.3.0"), change("helm-tag", "1.4.0")])).toBe("ghcr.io/acme/api:1.3.0");
    expect(heldVersion([change("container", `ghcr.io/acme/api@${digest}`)])).toBe(`ghcr.io/acme/api@${digest}`);
  });

  it("titles a digest-only pin by its short digests", () => {
    const oldDigest = `sha256:${"a".repeat(64)}`;
    const newDigest = `sha256:${"b".repeat(64)}`;
    const pin = pinned({ "a.yaml": `image: ghcr.io/acme/api@${oldDigest}\n` }, `ghcr.io/acme/api@${newDigest}`);
    const plan = planUnpin(input({ pinned: pin.metadata, files: pin.files }));
    expect(plan.action === "unpin" && plan.title).toBe("Unpin ghcr.io/acme/api sha256:bbbbbbbbbbbb from production (back to sha256:aaaaaaaaaaaa)");
  });

  it("escapes what people wrote and links only a pull request of this GitHub", () => {
    const pin = pinned({ "a.yaml": DEPLOYMENT });
    const plan = planUnpin(
      input({ pinned: pin.metadata, files: pin.files, by: "<@U123>", reason: "[x](javascript:alert(1)) @team", pinnedPullRequest: { number: 42, url: "javascript:alert(1)" } }),
    );
    if (plan.action !== "unpin") throw new Error("expected an unpin");
    expect(plan.body).toContain("- Unpins: \\#42\n");
    expect(plan.body).toContain("- Reason: \\[x\\]\\(javascript:alert\\(1\\)\\) \\@team");
    expect(plan.body).toContain("- Unpinned by \\<\\@U123\\>");
    expect(plan.body).not.toContain("](javascript");
  });

  it("never restores the holds file from a record: it is written once, with the new hold", () => {
    const pin = pinned({ "a.yaml": DEPLOYMENT });
    const record = { file: HOLDS_PATH, line: 4, kind: "helm-tag", before: "1.0.0", after: "1.4.1", document: 0, yamlPath: "holds[0].version" };
    const holdsText = "holds:\n  - environment: qa\n    repository: ghcr.io/acme/api\n    version: 1.4.1\n";
    const plan = planUnpin(input({ pinned: { ...pin.metadata, changes: [...pin.metadata.changes, record] }, files: [...pin.files, { path: HOLDS_PATH, text: holdsText }], holdsText }));
    if (plan.action !== "unpin") throw new Error("expected an unpin");
    expect(plan.files.map((file) => file.path)).toEqual(["a.yaml", HOLDS_PATH]);
    expect(plan.conflicts).toMatchObject([{ file: HOLDS_PATH, reason: "the holds file is not a manifest" }]);
    expect(parseHolds(plan.files[1]?.contents)).toMatchObject({ ok: true, holds: [{ environment: "qa", version: "1.4.1" }, { environment: "production", version: "1.4.0" }] });
  });

  it("warns when the holds file could not be read before", () => {
    const pin = pinned({ "a.yaml": DEPLOYMENT });
    const plan = planUnpin(input({ pinned: pin.metadata, files: pin.files, holdsText: "holds: [unclosed" }));
    if (plan.action !== "unpin") throw new Error("expected an unpin");
    expect(plan.body).toContain("- Check `.bender/holds.yml`: before this unpin it could not be read (\\.bender/holds\\.yml is not valid YAML: ");
    expect(plan.files.at(-1)?.contents).toContain("# holds: [unclosed");
  });
});
