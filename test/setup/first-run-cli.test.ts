import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "bin", "bender.js");

/** Runs `node bin/bender.js serve` in a folder of its own with only the environment given. */
function serve(env: Record<string, string>, cwd: string) {
  const child = spawn(process.execPath, [BIN, "serve"], { cwd, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe("npm start on a fresh clone", () => {
  const folder = mkdtempSync(path.join(tmpdir(), "bender-first-run-"));
  beforeAll(() => {
    if (!existsSync(path.join(ROOT, "dist", "setup", "io", "run-setup.js"))) throw new Error("dist/ is missing: run `npm run build`");
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("serves the set-up page on 127.0.0.1, prints its address, and stops on SIGTERM", async () => {
    const run = serve({ PORT: "0" }, folder);
    const until = Date.now() + 15_000;
    let url: string | undefined;
    while (!url && Date.now() < until) {
      url = run.output().stdout.match(/open (?<url>http:\/\/localhost:\d+\/) to create the GitHub App/)?.groups?.url;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    try {
      expect(url, run.output().stderr).toBeDefined();
      const response = await fetch((url ?? "").replace("localhost", "127.0.0.1"));
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('action="https://github.com/settings/apps/new?state=');
    } finally {
      run.child.kill("SIGTERM");
    }
    expect(await run.exited).toBe(0);
    expect(existsSync(path.join(folder, ".env"))).toBe(false);
  });

  it("still exits 2 naming the missing settings when NODE_ENV=production", async () => {
    const run = serve({ PORT: "0", NODE_ENV: "production" }, folder);
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toContain("  - APP_ID: missing");
  });
});
