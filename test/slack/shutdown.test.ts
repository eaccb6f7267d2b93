/**
 * SIGTERM stops `bender serve` promptly even when Slack cannot be reached:
 * the Slack client's calls in flight, retries and waits end at once, so
 * nothing of Slack's keeps the process alive. Runs the real bin/bender.js.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo, Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOSED_GITHUB_ENV, PRIVATE_KEY, WEBHOOK_SECRET } from "../support/bender-server.js";
import { APP_TOKEN, SIGNING_SECRET, waitUntil } from "../support/slack.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = path.join(ROOT, "bin", "bender.js");

/** A TCP server that accepts connections and never answers (`silent`), or that closes each at once. */
async function unreachableSlack(mode: "silent" | "reset"): Promise<{ server: Server; port: number; connections: Socket[] }> {
  const connections: Socket[] = [];
  const server = createServer((socket) => {
    connections.push(socket);
    socket.on("error", () => undefined);
    if (mode === "reset") socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, connections };
}

async function freePort(): Promise<number> {
  const { server, port } = await unreachableSlack("reset");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("bender serve with a Slack that cannot be reached", () => {
  const folder = mkdtempSync(path.join(tmpdir(), "bender-slack-stop-"));
  const keyPath = path.join(folder, "app.pem");
  writeFileSync(keyPath, PRIVATE_KEY);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  beforeAll(() => {
    if (!existsSync(path.join(ROOT, "dist", "cli", "main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does it in pretest)");
  });

  it.each([
    { slack: "never answers", mode: "silent" as const, socketMode: false },
    { slack: "resets every connection", mode: "reset" as const, socketMode: false },
    { slack: "never answers (Socket Mode)", mode: "silent" as const, socketMode: true },
  ])("exits 0 within 5 s of SIGTERM when Slack $slack", { timeout: 30_000 }, async ({ mode, socketMode }) => {
    const slack = await unreachableSlack(mode);
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      ...CLOSED_GITHUB_ENV,
      APP_ID: "123",
      WEBHOOK_SECRET,
      PRIVATE_KEY_PATH: keyPath,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "fatal",
      SLACK_BOT_TOKEN: "xoxb-test",
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: `http://127.0.0.1:${slack.port}/api/`,
      ...(socketMode ? { SLACK_APP_TOKEN: APP_TOKEN } : {}),
    };
    const child = spawn(process.execPath, [BIN, "serve"], { cwd: folder, env, stdio: ["ignore", "ignore", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      // Serving, with Slack's token check (and in Socket Mode, apps.connections.open) in flight or retrying.
      await waitUntil(() => slack.connections.length >= (socketMode ? 2 : 1), "Bender's calls to Slack", 10_000);
      const readyz = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { status: string };
      expect(readyz.status).toBe("ready");

      const stopAt = Date.now();
      child.kill("SIGTERM");
      const code = await exited;
      const elapsedMs = Date.now() - stopAt;

      if (process.env.BENDER_PRINT_STOP) process.stderr.write(`SIGTERM to exit: ${elapsedMs} ms\n`);
      expect(code).toBe(0);
      // The bound is generous for a shared machine; on an idle one Bender exits in well under a second.
      expect(elapsedMs).toBeLessThan(5000);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      for (const socket of slack.connections) socket.destroy();
      await new Promise<void>((resolve) => slack.server.close(() => resolve()));
    }
  });
});
