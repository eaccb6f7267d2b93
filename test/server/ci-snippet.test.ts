/**
 * The `curl` snippet of docs/builds.md, run as written (bash, jq, openssl,
 * curl) against Bender's real server: its signature is accepted and the build
 * becomes a proposal. The documented snippet cannot drift from the signing
 * scheme the server checks.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { BUILD_SECRET, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { expectInstallationToken } from "../support/fake-github.js";
import { IMAGE, PRODUCTION_BRANCH, deployment, expectRepositoryInstallation, productionRepository } from "../support/manifests.js";

const DOC = readFileSync(fileURLToPath(new URL("../../docs/builds.md", import.meta.url)), "utf8");
const DOCUMENTED_URL = "https://bender.acme.dev";

/** The first ```sh block after the heading of `POST /api/builds`. */
function curlSnippet(): string {
  const section = DOC.slice(DOC.indexOf("## 3. `POST /api/builds`"));
  const block = /```sh\n(?<code>[\s\S]*?)```/.exec(section)?.groups?.code;
  if (!block) throw new Error("docs/builds.md has no sh block under ## 3. `POST /api/builds`");
  return block;
}

/** Runs the snippet with bash, asynchronously: the server it calls runs in this process. */
async function runSnippet(script: string, env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  return await new Promise((resolve) => {
    execFile("bash", ["--norc", "--noprofile", "-euo", "pipefail", "-c", script], { encoding: "utf8", timeout: 20_000, env: { PATH: process.env.PATH ?? "", ...env } }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

let bender: RunningBender | undefined;
afterEach(async () => {
  await bender?.close();
  bender = undefined;
});

describe("docs/builds.md's curl snippet", () => {
  it("is signed as the server checks, and its build becomes a proposal", async () => {
    const snippet = curlSnippet();
    expect(snippet).toContain(DOCUMENTED_URL);
    const fake = productionRepository();
    expectRepositoryInstallation("acme/manifests", 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const run = await runSnippet(snippet.replaceAll(DOCUMENTED_URL, bender.url), {
      IMAGE: `${IMAGE}:1.4.1`, COMMIT: "9f2c4e8a1b3d5f7091a2b4c6d8e0f1a3b5c7d9e1", BENDER_BUILD_SECRET: BUILD_SECRET });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ key: "ghcr.io/acme/api:1.4.1", build: expect.stringContaining("ghcr.io/acme/api:1.4.1") });
    await bender.queue.idle();
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.1`));
  });

  it("fails (curl exits non-zero, 401) with another secret: the control", async () => {
    bender = await startBender();
    const run = await runSnippet(curlSnippet().replaceAll(DOCUMENTED_URL, bender.url), {
      IMAGE: `${IMAGE}:1.4.1`, COMMIT: "9f2c4e8a1b3d5f7091a2b4c6d8e0f1a3b5c7d9e1", BENDER_BUILD_SECRET: "another-secret-0123456789" });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/missing or wrong x-bender-signature-256/i);
  });
});
