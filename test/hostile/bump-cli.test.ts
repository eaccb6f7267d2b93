import { spawn, spawnSync } from "node:child_process";
import { EventEmitter } from "node:events";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signalExitCode, withSignalsDeferred } from "../../src/cli/defer-signals.js";
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

describe("bender bump and signals", () => {
  it("on SIGTERM at any moment, leaves no temporary file and every file whole (old or new)", async () => {
    const old = `image: ghcr.io/acme/api:1.4.0\n# ${"x".repeat(50_000)}\n`;
    const bumped = old.replace("api:1.4.0", "api:1.4.1");
    const files = Array.from({ length: 200 }, (_, index) => `f${String(index).padStart(3, "0")}.yaml`);
    for (const delay of [50, 200, 400]) {
      for (const file of files) await writeFile(path.join(dir, file), old);
      const child = spawn(process.execPath, [BIN, "bump", "ghcr.io/acme/api:1.4.1", "--dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill("SIGTERM");
      const { code, signal } = await exited;
      const names = (await readdir(dir)).sort();
      expect(names, `after SIGTERM at ${delay} ms`).toEqual(files);
      const texts = new Set(await Promise.all(files.map((file) => readFile(path.join(dir, file), "utf8"))));
      for (const text of texts) expect([old, bumped]).toContain(text);
      // Killed before the write began (no listener yet), finished first, or held the signal until the tree was whole.
      if (code === 143) expect(stderr).toContain("SIGTERM received; it waited for the files above to be written whole");
      else expect(code === 0 || signal === "SIGTERM", `exit ${code} ${signal}`).toBe(true);
    }
  });
});

describe("withSignalsDeferred", () => {
  it("holds a signal that arrives during the work, returns it after, and removes its listeners", async () => {
    const source = new EventEmitter();
    const { value, signal } = await withSignalsDeferred(async () => {
      source.emit("SIGTERM");
      source.emit("SIGINT");
      return "written";
    }, source);
    expect({ value, signal }).toEqual({ value: "written", signal: "SIGTERM" });
    expect(source.listenerCount("SIGTERM") + source.listenerCount("SIGINT") + source.listenerCount("SIGHUP")).toBe(0);
    expect(signalExitCode("SIGTERM")).toBe(143);
  });
});
