import { describe, expect, it } from "vitest";
import { SyncSettingsError, readSyncSettings } from "../../src/cli/sync-settings.js";
import { PRIVATE_KEY } from "../support/bender-server.js";

const TOKEN = { GITHUB_TOKEN: "github_pat_0123456789abcdefghij" };
const FLAGS = { repository: "acme/manifests", path: ["clusters/prod"], environment: "production", cluster: "prod-eu-1", namespace: "bender" };

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof SyncSettingsError) return error.problems;
    throw error;
  }
  throw new Error("expected a SyncSettingsError");
}

describe("bender sync settings", () => {
  it("takes flags, with defaults for the rest", () => {
    const settings = readSyncSettings(FLAGS, TOKEN);
    expect(settings).toMatchObject({
      repository: "acme/manifests",
      ref: "main",
      paths: ["clusters/prod"],
      watchMs: undefined,
      timeoutMs: 300_000,
      fullEveryMs: 3_600_000,
      githubApiUrl: "https://api.github.com",
      auth: { kind: "token", token: TOKEN.GITHUB_TOKEN },
    });
  });

  it("reads every flag from BENDER_SYNC_<FLAG>, flags winning", () => {
    const settings = readSyncSettings({ ref: "release" }, {
      ...TOKEN,
      BENDER_SYNC_REPOSITORY: "acme/manifests",
      BENDER_SYNC_REF: "main",
      BENDER_SYNC_PATH: "clusters/prod, ./shared/",
      BENDER_SYNC_ENVIRONMENT: "production",
      BENDER_SYNC_CLUSTER: "prod-eu-1",
      BENDER_SYNC_DRY_RUN: "true",
      BENDER_SYNC_PRUNE: "1",
      BENDER_SYNC_WATCH: "30s",
      BENDER_SYNC_FULL_EVERY: "2h",
      BENDER_SYNC_DEFAULT_NAMESPACE: "shop",
      GHE_HOST: "github.example.com",
    }, "bender-system");
    expect(settings).toMatchObject({
      ref: "release",
      paths: ["clusters/prod", "shared"],
      namespace: "bender-system",
      dryRun: true,
      prune: true,
      watchMs: 30_000,
      fullEveryMs: 7_200_000,
      defaultNamespace: "shop",
      githubApiUrl: "https://github.example.com/api/v3",
    });
  });

  it("uses the GitHub App when APP_ID and a key are given", () => {
    const settings = readSyncSettings(FLAGS, { APP_ID: "42", PRIVATE_KEY });
    expect(settings.auth).toEqual({ kind: "app", appId: 42, privateKey: PRIVATE_KEY });
  });

  it("names every bad setting at once, flag and variable, and never echoes a secret", () => {
    const problems = problemsOf(() =>
      readSyncSettings(
        { repository: "not a repo", path: ["../etc"], cluster: "prod eu", once: true, watch: "soon", timeout: "forever" },
        { APP_ID: "42", PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nsecret-material\n-----END RSA PRIVATE KEY-----", BENDER_SYNC_PRUNE: "maybe", GHE_PROTOCOL: "ftp" },
      ),
    );
    const text = problems.join("\n");
    expect(text).toContain("--repository (BENDER_SYNC_REPOSITORY): must be owner/name");
    expect(text).toContain("--path #1 (BENDER_SYNC_PATH): must be a folder inside the repository");
    expect(text).toContain("--environment (BENDER_SYNC_ENVIRONMENT): missing");
    expect(text).toContain("--cluster (BENDER_SYNC_CLUSTER): must be a cluster name");
    expect(text).toContain("--namespace (BENDER_SYNC_NAMESPACE): missing");
    expect(text).toContain("--once and --watch: choose one");
    expect(text).toContain('--watch (BENDER_SYNC_WATCH): "soon" is not a duration');
    expect(text).toContain('--timeout (BENDER_SYNC_TIMEOUT): "forever" is not a duration');
    expect(text).toContain('BENDER_SYNC_PRUNE: "maybe" is not true or false');
    expect(text).toContain("GHE_PROTOCOL: must be https or http");
    expect(text).toContain("PRIVATE_KEY:");
    expect(text).not.toContain("secret-material");
    expect(problems).toHaveLength(11);
  });

  it("asks for GitHub access when there is none", () => {
    expect(problemsOf(() => readSyncSettings(FLAGS, {}))).toEqual([
      "GitHub access: missing: set APP_ID with PRIVATE_KEY or PRIVATE_KEY_PATH (the GitHub App), or GITHUB_TOKEN",
    ]);
  });
});
