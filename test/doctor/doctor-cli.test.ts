import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DoctorReport } from "../../src/doctor/report.js";
import { PRIVATE_KEY, WEBHOOK_SECRET } from "../support/bender-server.js";
import { SIGNING_SECRET } from "../support/slack.js";

const BIN = path.resolve(import.meta.dirname, "../../bin/bender.js");
const folder = mkdtempSync(path.join(tmpdir(), "bender-doctor-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function doctor(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, "doctor", ...args], { cwd: folder, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

/** A port nothing listens on: what an offline machine gives. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("bender doctor (the command)", () => {
  it("says which checks it could not run when GitHub and Slack cannot be reached, and exits 1", async () => {
    const port = await closedPort();
    const keyPath = path.join(folder, "app.pem");
    writeFileSync(keyPath, PRIVATE_KEY);
    const env = {
      APP_ID: "42", PRIVATE_KEY_PATH: keyPath, WEBHOOK_SECRET, GHE_HOST: `127.0.0.1:${port}`, GHE_PROTOCOL: "http",
      SLACK_BOT_TOKEN: "xoxb-offline", SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
    };
    const text = await doctor([], env);
    expect(text.code, text.stderr).toBe(1);
    expect(text.stdout).toContain("ok    settings: well-formed");
    expect(text.stdout).toContain(`skip  github-app: GitHub could not be reached at http://127.0.0.1:${port}/api/v3`);
    expect(text.stdout).toContain(`skip  slack-token: Slack could not be reached at http://127.0.0.1:${port}/api/`);
    expect(text.stdout).toContain("Not run: github-app, app-permissions, installations, configs, slack-token, slack-channels, slack-approvers");
    expect(text.stdout).not.toContain(WEBHOOK_SECRET);

    const json = await doctor(["--json"], env);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as DoctorReport;
    expect(report.ok).toBe(false);
    expect(report.checks.map((check) => `${check.id}:${check.status}`)).toEqual([
      "settings:pass", "github-app:skipped", "app-permissions:skipped", "installations:skipped", "configs:skipped",
      "slack-token:skipped", "slack-channels:skipped", "slack-approvers:skipped", "build-webhook:warn",
    ]);
  });

  it("reads .env like bender serve, and names what is missing", async () => {
    const cwd = mkdtempSync(path.join(folder, "env-"));
    writeFileSync(path.join(cwd, ".env"), "APP_ID=12\n");
    const child = spawn(process.execPath, [BIN, "doctor", "--json"], { cwd, env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(1);
    const report = JSON.parse(stdout) as DoctorReport;
    const problems = report.checks[0]?.findings.map((finding) => finding.problem) ?? [];
    expect(problems.some((problem) => problem.startsWith("WEBHOOK_SECRET: missing"))).toBe(true);
    expect(problems.some((problem) => problem.startsWith("APP_ID"))).toBe(false);
  });
});
