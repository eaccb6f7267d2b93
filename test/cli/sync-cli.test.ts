import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The real launcher, run as users run it (it loads the build that `npm test` makes first).
const BIN = fileURLToPath(new URL("../../bin/bender.js", import.meta.url));

function bender(args: string[], env: Record<string, string> = {}) {
  // No GitHub or cluster credentials from the machine running the tests.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(GITHUB_TOKEN|APP_ID|PRIVATE_KEY|BENDER_SYNC_|GHE_|KUBECONFIG)/.test(name)));
  return spawnSync(process.execPath, [BIN, "sync", ...args], {
    encoding: "utf8",
    env: { ...clean, BENDER_SYNC_SERVICE_ACCOUNT_NAMESPACE_FILE: "/nonexistent", ...env },
  });
}

describe("bender sync (the command line)", () => {
  it("prints its options with --help", () => {
    const run = bender(["--help"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("--watch [INTERVAL]");
    expect(run.stdout).toContain("BENDER_SYNC_<FLAG>");
  });

  it("exits 2 naming every bad setting, flags and variables, before touching GitHub or a cluster", () => {
    const run = bender(["--repository", "acme", "--watch", "--once", "--path", "/etc"], { BENDER_SYNC_FULL_EVERY: "often", GITHUB_TOKEN: "github_pat_0123456789abcdefghij" });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("bender sync: invalid settings (nothing was touched):");
    for (const expected of [
      "--repository (BENDER_SYNC_REPOSITORY): must be owner/name",
      "--path #1 (BENDER_SYNC_PATH): must be a folder inside the repository",
      "--environment (BENDER_SYNC_ENVIRONMENT): missing",
      "--cluster (BENDER_SYNC_CLUSTER): missing",
      "--namespace (BENDER_SYNC_NAMESPACE): missing",
      "--once and --watch: choose one",
      '--full-every (BENDER_SYNC_FULL_EVERY): "often" is not a duration',
    ]) expect(run.stderr).toContain(expected);
    expect(run.stdout).toBe("");
  });

  it("exits 2 on an unknown flag, naming it, the flags sync takes and where its usage is (Bender's message, not Node's)", () => {
    const run = bender(["--repo", "acme/manifests"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^bender sync: unknown option --repo; bender sync takes .*--repository REPOSITORY.*-h\/--help \(run "bender help sync" for its usage\)\n$/);
  });
});
