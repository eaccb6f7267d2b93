/**
 * SIGTERM stops `bender serve` within 2 seconds while GitHub never answers:
 * the credentials check, a webhook handler waiting on GitHub and queued build
 * work are abandoned after a short grace, and the webhook delivery left
 * unfinished is logged by id (so it can be redelivered). Runs bin/bender.js.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo, Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sign } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { examples, withValue } from "../builds/payloads.js";
import { BUILD_SECRET, PRIVATE_KEY, WEBHOOK_SECRET } from "../support/bender-server.js";
import { repeatedKeys } from "../support/log-lines.js";
import { waitUntil } from "../support/slack.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = path.join(ROOT, "bin", "bender.js");

/** A TCP server that accepts connections and never answers. */
async function silentServer(): Promise<{ server: Server; port: number; connections: Socket[] }> {
  const connections: Socket[] = [];
  const server = createServer((socket) => {
    connections.push(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, connections };
}

async function freePort(): Promise<number> {
  const { server, port } = await silentServer();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A push example touching .github/bender.yml: its handler checks the config on GitHub before answering. */
function configPush(): Record<string, unknown> {
  const example = examples("push").find((payload) => String(payload.ref).startsWith("refs/heads/") && payload.installation !== undefined);
  if (!example) throw new Error("no push example with an installation");
  const [commit] = example.commits as Record<string, unknown>[];
  const changed = { ...commit, added: [], removed: [], modified: [".github/bender.yml"] };
  return withValue(withValue(example, "commits", [changed]), "head_commit", changed);
}

describe("bender serve with a GitHub that never answers", () => {
  const folder = mkdtempSync(path.join(tmpdir(), "bender-github-stop-"));
  const keyPath = path.join(folder, "app.pem");
  writeFileSync(keyPath, PRIVATE_KEY);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  beforeAll(() => {
    if (!existsSync(path.join(ROOT, "dist", "cli", "main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does it in pretest)");
  });

  it("exits 0 within 2 s of SIGTERM, logging the webhook delivery it abandoned", { timeout: 30_000 }, async () => {
    const github = await silentServer();
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      APP_ID: "123",
      WEBHOOK_SECRET,
      BENDER_BUILD_SECRET: BUILD_SECRET,
      PRIVATE_KEY_PATH: keyPath,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      GHE_HOST: `127.0.0.1:${github.port}`,
      GHE_PROTOCOL: "http",
    };
    const child = spawn(process.execPath, [BIN, "serve"], { cwd: folder, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await waitUntil(() => out.includes("Bender is listening"), "Bender listening", 10_000);
      const base = `http://127.0.0.1:${port}`;
      // A webhook whose handler waits on GitHub (the installation token), and a build whose queued work does.
      const body = JSON.stringify(configPush());
      const webhook = fetch(`${base}/api/github/webhooks`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": "delivery-held-by-github", "x-hub-signature-256": await sign(WEBHOOK_SECRET, body) },
        body,
      }).then((response) => response.status, () => "no answer");
      const build = JSON.stringify({ image: "ghcr.io/acme/api:1.4.1", repositories: ["acme/manifests"] });
      const accepted = await fetch(`${base}/api/builds`, { method: "POST", headers: { "content-type": "application/json", "x-bender-signature-256": await sign(BUILD_SECRET, build) }, body: build });
      expect(accepted.status).toBe(202);
      // The check of the credentials, the webhook's token request and the build's are all waiting on GitHub.
      await waitUntil(() => github.connections.length >= 3, "Bender's requests to GitHub", 10_000);

      const stopAt = Date.now();
      child.kill("SIGTERM");
      const code = await exited;
      const elapsedMs = Date.now() - stopAt;
      if (process.env.BENDER_PRINT_STOP) process.stderr.write(`SIGTERM to exit with GitHub silent: ${elapsedMs} ms\n`);

      expect(code).toBe(0);
      expect(elapsedMs).toBeLessThan(2_000);
      expect(await webhook).not.toBe(200);
      const lines = out.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.find((line) => line.msg === "webhook work abandoned by shutdown: redeliver it from the App's Advanced settings")).toEqual(
        expect.objectContaining({ level: 40, delivery: "delivery-held-by-github", event: "push" }),
      );
      if (process.env.BENDER_PRINT_STOP) process.stderr.write(`${out}\n`);
      // One logger tree: no key twice on a line (Probot's parts under `probot`, Bender's under `component`).
      expect(out.split("\n").filter((line) => line.startsWith("{")).flatMap((line) => repeatedKeys(line))).toEqual([]);
      // Abandoned work is warned about once, by Bender, not as error lines with stacks from Probot.
      expect(lines.filter((line) => (line.level as number) >= 50)).toEqual([]);
      expect(lines.at(-1)).toEqual(expect.objectContaining({ msg: "stopped" }));
    } finally {
      child.kill("SIGKILL");
      for (const socket of github.connections) socket.destroy();
      await new Promise<void>((resolve) => github.server.close(() => resolve()));
    }
  });
});
