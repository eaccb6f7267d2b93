import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderBumpSummary } from "../../src/cli/render-bump.js";
import { renderUnifiedDiff } from "../../src/cli/render-diff.js";

// The real launcher (it runs dist/, which `npm test` builds first).
const BIN = fileURLToPath(new URL("../../bin/bender.js", import.meta.url));
const SMALL = "image: ghcr.io/acme/api:1.4.0\n";
const LARGE = `image: ghcr.io/acme/api:1.4.0\n${"#".repeat(3000)}\n`;
const ESC = "\u001b";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "bender-hostile-cli-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs `bender bump` with the file-size limit at 1 KiB (`ulimit -f 1`): writing
 * a larger file fails with EFBIG for any user, root included, as a full disk
 * would. Node ignores SIGXFSZ, so the write call fails rather than the process.
 */
function bumpWithFileSizeLimit(args: string[]) {
  const script = `ulimit -f 1; exec "$0" "$@"`;
  const run = spawnSync("bash", ["-c", script, process.execPath, BIN, "bump", "ghcr.io/acme/api:1.4.1", "--dir", dir, ...args], { encoding: "utf8" });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("bender bump when a write fails", () => {
  it("exits 1, says which files were not written, leaves the tree and no temporary file", async () => {
    await writeFile(path.join(dir, "a.yaml"), SMALL);
    await writeFile(path.join(dir, "b.yaml"), LARGE);
    const run = bumpWithFileSizeLimit([]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("not written a.yaml: writing b.yaml failed first, so nothing was replaced\n");
    expect(run.stdout).toContain("not written b.yaml: cannot write a temporary file beside it: EFBIG\n");
    expect(run.stdout).toMatch(/Writing failed: 0 files written, 2 files left as they were\.\n$/);
    expect(run.stderr).toBe("");
    expect((await readdir(dir)).sort()).toEqual(["a.yaml", "b.yaml"]);
    expect(await readFile(path.join(dir, "a.yaml"), "utf8")).toBe(SMALL);
    expect(await readFile(path.join(dir, "b.yaml"), "utf8")).toBe(LARGE);
  });

  it("reports the same in --json", async () => {
    await writeFile(path.join(dir, "a.yaml"), SMALL);
    await writeFile(path.join(dir, "b.yaml"), LARGE);
    const run = bumpWithFileSizeLimit(["--json"]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { written: string[]; notWritten: { file: string; reason: string }[] };
    expect(report.written).toEqual([]);
    expect(report.notWritten.map((entry) => entry.file)).toEqual(["a.yaml", "b.yaml"]);
  });

  it("writes everything and exits 0 under the same limit when every file fits (the control)", async () => {
    await writeFile(path.join(dir, "a.yaml"), SMALL);
    const run = bumpWithFileSizeLimit(["--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ written: ["a.yaml"], notWritten: [] });
  });
});

describe("terminal output", () => {
  it("escapes control characters from file names and values", async () => {
    const name = `evil${ESC}]0;pwned${ESC}\\.yaml`;
    await writeFile(path.join(dir, name), `image: "ghcr.io/acme/api:1.4.0"\nnote: x\n`);
    const run = spawnSync(process.execPath, [BIN, "bump", "ghcr.io/acme/api:1.4.1", "--dir", dir, "--dry-run"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).not.toContain(ESC);
    expect(run.stdout).toContain("evil\\x1b]0;pwned\\x1b\\.yaml:1  image-field");
  });

  it("escapes them in values, notes and reasons, keeping each on one line", () => {
    const text = renderBumpSummary(
      {
        changes: [{ file: "a.yaml", line: 1, kind: "marker-tag", before: `1.0${ESC}[2J`, after: "1.1", document: 0, yamlPath: "x" }],
        skipped: [{ file: "b\n.yaml", code: "invalid-yaml", reason: `bad ${ESC}[31mred` }],
      },
      { dryRun: true, target: "ghcr.io/acme/api:1.1" },
    );
    expect(text).not.toContain(ESC);
    expect(text.split("\n")).toEqual([
      "a.yaml:1  marker-tag  1.0\\x1b[2J -> 1.1",
      "skipped b\\x0a.yaml  invalid-yaml: bad \\x1b[31mred",
      "Would change 1 value in 1 file to ghcr.io/acme/api:1.1; 1 skipped. (dry run: nothing written)",
      "",
    ]);
  });

  it("escapes them in a dry run's diff, keeping its lines", () => {
    const diff = renderUnifiedDiff([{ file: "a.yaml", before: `x: 1 # ${ESC}[2J\n`, after: `x: 2 # ${ESC}[2J\n` }]);
    expect(diff).not.toContain(ESC);
    expect(diff).toContain("-x: 1 # \\x1b[2J\n+x: 2 # \\x1b[2J\n");
  });
});
