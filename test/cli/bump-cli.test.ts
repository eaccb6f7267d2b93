import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

// The real launcher, run as users run it (it loads the build that `npm test` makes first).
const BIN = fileURLToPath(new URL("../../bin/bender.js", import.meta.url));
const DIGEST = `sha256:${"c".repeat(64)}`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: "ghcr.io/acme/api:1.4.0" # the api
        - name: worker
          image: ghcr.io/acme/api-worker:1.4.0
`;
const VALUES = "image:\n  repository: ghcr.io/acme/api\n  tag: 1.4.0\n";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "bender-cli-"));
  await mkdir(path.join(dir, "clusters/prod"), { recursive: true });
  await writeFile(path.join(dir, "clusters/prod/deploy.yaml"), DEPLOYMENT);
  await writeFile(path.join(dir, "clusters/prod/values.yaml"), VALUES);
  await mkdir(path.join(dir, "chart/templates"), { recursive: true });
  await writeFile(
    path.join(dir, "chart/templates/api.yaml"),
    "spec:\n  containers:\n  - image: ghcr.io/acme/api:1.4.0\n{{- if .Values.debug }}\n  - image: busybox\n{{- end }}\n",
  );
});
afterEach(() => {
  // rm(1) walks by relative paths, so it also removes trees deeper than PATH_MAX.
  spawnSync("rm", ["-rf", dir]);
});

function bender(args: string[], cwd = dir) {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8" });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function tree(): Promise<[string, string]> {
  return [
    await readFile(path.join(dir, "clusters/prod/deploy.yaml"), "utf8"),
    await readFile(path.join(dir, "clusters/prod/values.yaml"), "utf8"),
  ];
}

describe("bender bump (the real bin/bender.js)", () => {
  it("rewrites in place under the current directory and prints the JSON result", async () => {
    const run = bender(["bump", "ghcr.io/acme/api:1.4.1", "--json"]);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      outcome: "changed",
      alreadyCurrent: 0,
      changes: [
        { file: "clusters/prod/deploy.yaml", line: 10, kind: "container", before: "ghcr.io/acme/api:1.4.0", after: "ghcr.io/acme/api:1.4.1" },
        { file: "clusters/prod/values.yaml", line: 3, kind: "helm-tag", before: "1.4.0", after: "1.4.1" },
      ],
      skipped: [{ file: "chart/templates/api.yaml", code: "contains-template", reason: expect.stringContaining("template") }],
      written: ["clusters/prod/deploy.yaml", "clusters/prod/values.yaml"],
      notWritten: [],
    });
    expect(await tree()).toEqual([DEPLOYMENT.replace("api:1.4.0", "api:1.4.1"), VALUES.replace("1.4.0", "1.4.1")]);
  });

  it("takes --dir from anywhere and prints a human summary", async () => {
    const run = bender(["bump", `ghcr.io/acme/api:1.4.1@${DIGEST}`, "--dir", dir], tmpdir());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("clusters/prod/deploy.yaml:10  container  ghcr.io/acme/api:1.4.0 -> ghcr.io/acme/api:1.4.1");
    expect(run.stdout).toContain("skipped chart/templates/api.yaml  contains-template");
    expect(run.stdout).toMatch(/Changed 2 values in 2 files to ghcr\.io\/acme\/api:1\.4\.1@sha256:c+; 1 skipped\./);
  });

  it("--dry-run writes nothing and prints a unified diff", async () => {
    const run = bender(["bump", "ghcr.io/acme/api:1.4.1", "--dry-run"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("--- a/clusters/prod/deploy.yaml\n+++ b/clusters/prod/deploy.yaml");
    expect(run.stdout).toContain('-          image: "ghcr.io/acme/api:1.4.0" # the api\n+          image: "ghcr.io/acme/api:1.4.1" # the api');
    expect(run.stdout).toContain("-  tag: 1.4.0\n+  tag: 1.4.1");
    expect(run.stdout).toContain("(dry run: nothing written)");
    expect(await tree()).toEqual([DEPLOYMENT, VALUES]);
  });

  it("exits 0 with no changes when the tree already runs the reference", () => {
    expect(bender(["bump", "ghcr.io/acme/api:1.4.1"]).code).toBe(0);
    const again = bender(["bump", "ghcr.io/acme/api:1.4.1", "--json"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).changes).toEqual([]);
  });

  it.each([
    [["bump", "ghcr.io/acme/API:1.4.1"], /path "acme\/API" is not allowed: repository paths must be lowercase/],
    [["bump", "ghcr.io/acme/api:-bad"], /tag "-bad" is not allowed: a tag is 1 to 128 characters/],
    [["bump", "ghcr.io/acme/api@sha256:abc"], /digest "sha256:abc" is not allowed/],
    [["bump", "ghcr.io/acme/api"], /names no tag or digest; give the version to move to, e\.g\. ghcr\.io\/acme\/api:1\.4\.1/],
    [["bump", "ghcr.io/acme/api:1", "--dir", "missing"], /--dir missing: not a directory/],
    [["bump", "ghcr.io/acme/api:1", "--colour"], /^bender bump: unknown option --colour; bender bump takes --dir DIR, --dry-run, --json, --no-downgrade, -h\/--help \(run "bender help bump" for its usage\)\n$/],
    [["bump", "ghcr.io/acme/api:1", "--dir"], /^bender bump: option --dir needs a value/],
    [["--colour"], /^bender: unknown option --colour; options come after a command/],
    [["bump"], /expected exactly one image reference, got 0/],
    [["deploy"], /unknown command "deploy"/],
  ])("exits 2 for invalid input %j, names the problem on stderr and writes nothing", async (args, message) => {
    const run = bender(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
    expect(await tree()).toEqual([DEPLOYMENT, VALUES]);
  });

  it("passes over a folder it cannot list (here: a path past PATH_MAX), naming it, and bumps the rest", async () => {
    // One relative step at a time, so only the walk's absolute path grows past PATH_MAX.
    const name = "d".repeat(250);
    const made = spawnSync("bash", ["-c", `for i in $(seq 20); do mkdir ${name} && cd ${name} || exit 1; done`], { cwd: dir });
    expect(made.status).toBe(0);
    const run = bender(["bump", "ghcr.io/acme/api:1.4.1", "--json"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { skipped: { file: string; code: string; reason: string }[]; written: string[] };
    expect(report.skipped).toContainEqual({ file: expect.stringMatching(/^(d+\/)+d+$/) as string, code: "unreadable", reason: "this folder cannot be read: ENAMETOOLONG; nothing in it was looked at" });
    expect(report.written).toEqual(["clusters/prod/deploy.yaml", "clusters/prod/values.yaml"]);
  });

  it("tells a tree with no reference to the repository apart from one already at the version", async () => {
    const none = bender(["bump", "ghcr.io/acme/billing:2.0.0"]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe("No file refers to ghcr.io/acme/billing.\n");
    expect(JSON.parse(bender(["bump", "ghcr.io/acme/billing:2.0.0", "--json"]).stdout)).toEqual(expect.objectContaining({ outcome: "no-references", alreadyCurrent: 0, changes: [] }));

    expect(bender(["bump", "ghcr.io/acme/api:1.4.1"]).code).toBe(0);
    const again = bender(["bump", "ghcr.io/acme/api:1.4.1"]);
    expect(again.code).toBe(0);
    // The Deployment's image, the Helm tag (the template under chart/ is skipped: it holds a template).
    expect(again.stdout).toMatch(/^Already at ghcr\.io\/acme\/api:1\.4\.1: 2 references hold it; 1 skipped\.\n$/m);
    expect(JSON.parse(bender(["bump", "ghcr.io/acme/api:1.4.1", "--json"]).stdout)).toEqual(expect.objectContaining({ outcome: "already-current", alreadyCurrent: 2, changes: [] }));
  });

  it("marks a move to a lower semantic version as a downgrade, and --no-downgrade refuses it, writing nothing", async () => {
    const down = bender(["bump", "ghcr.io/acme/api:1.3.9", "--dry-run"]);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('clusters/prod/values.yaml:3  helm-tag  1.4.0 -> 1.3.9  (downgrade: 1.3.9 is lower than 1.4.0)');
    expect(down.stdout).toMatch(/^Would change 2 values in 2 files to ghcr\.io\/acme\/api:1\.3\.9 \(2 downgrades\); 1 skipped\./m);

    const refused = bender(["bump", "ghcr.io/acme/api:1.3.9", "--no-downgrade"]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/^Refused: 2 values would move to a lower version than written \(--no-downgrade\); nothing written\.\n$/m);
    expect(await tree()).toEqual([DEPLOYMENT, VALUES]);
    const json = JSON.parse(bender(["bump", "ghcr.io/acme/api:1.3.9", "--no-downgrade", "--json"]).stdout) as { outcome: string; changes: { downgrade?: boolean }[] };
    expect(json.outcome).toBe("refused-downgrade");
    expect(json.changes.map((change) => change.downgrade)).toEqual([true, true]);

    // Upwards (the control), --no-downgrade writes, and no change is marked.
    const up = bender(["bump", "ghcr.io/acme/api:1.4.1", "--no-downgrade", "--json"]);
    expect(up.code).toBe(0);
    const upJson = JSON.parse(up.stdout) as { outcome: string; changes: { downgrade?: boolean }[]; written: string[] };
    expect(upJson).toEqual(expect.objectContaining({ outcome: "changed", written: ["clusters/prod/deploy.yaml", "clusters/prod/values.yaml"] }));
    expect(upJson.changes.every((change) => change.downgrade === undefined)).toBe(true);
  });

  it("prints its version, and a command's help through `bender help <command>`", async () => {
    const { version } = JSON.parse(await readFile(fileURLToPath(new URL("../../package.json", import.meta.url)), "utf8")) as { version: string };
    expect(bender(["--version"])).toEqual({ code: 0, stdout: `bender ${version}\n`, stderr: "" });
    const help = bender(["help", "bump"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: bender bump <reference>/);
    expect(help.stdout).toContain("--no-downgrade");
  });

  it("prints usage for help", () => {
    const run = bender(["help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("bump <reference> [--dir PATH] [--dry-run] [--json]");
  });
});
