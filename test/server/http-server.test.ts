import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sign } from "@octokit/webhooks-methods";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../builds/payloads.js";
import { BUILD_SECRET, CLOSED_GITHUB_ENV, PRIVATE_KEY, WEBHOOK_SECRET, deliver, postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = path.join(ROOT, "bin", "bender.js");

let bender: RunningBender | undefined;
afterEach(async () => {
  await bender?.close();
  bender = undefined;
});

/** Requests to anywhere but this machine that reached nock without a mock: with none registered, any GitHub call lands here. */
const unmatched: string[] = [];
function onNoMatch(request: { method?: string; host?: string; path?: string }): void {
  if (request.host?.startsWith("127.0.0.1")) return;
  unmatched.push(`${request.method ?? "?"} ${request.host ?? "?"}${request.path ?? ""}`);
}
beforeAll(() => {
  nock.emitter.on("no match", onNoMatch);
});
afterAll(() => {
  nock.emitter.off("no match", onNoMatch);
});
afterEach(() => {
  unmatched.length = 0;
});

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; type: string | null; json: Record<string, unknown> }> {
  const response = await fetch(url, init);
  return { status: response.status, type: response.headers.get("content-type"), json: (await response.json()) as Record<string, unknown> };
}

describe("the trap for unexpected GitHub requests", () => {
  it("catches one (the control for the assertions below)", async () => {
    await fetch("https://api.github.com/app").catch(() => undefined);
    expect(unmatched).toEqual([expect.stringMatching(/^GET api\.github\.com(:443)?\/app$/)]);
  });
});

describe("health and routing", () => {
  it("answers /healthz 200", async () => {
    bender = await startBender();
    const response = await get(`${bender.url}/healthz`);
    expect(response).toEqual({ status: 200, type: "application/json; charset=utf-8", json: { status: "ok" } });
  });

  it("answers /healthz with a query string too", async () => {
    bender = await startBender();
    expect((await get(`${bender.url}/healthz?probe=kubelet`)).status).toBe(200);
  });

  it("answers /readyz 200 and says the build webhook is on when BENDER_BUILD_SECRET is set", async () => {
    bender = await startBender();
    expect(await get(`${bender.url}/readyz`)).toMatchObject({ status: 200, json: { status: "ready", buildWebhook: true } });
  });

  it("says the build webhook is off without a build secret, and POST /api/builds is 404", async () => {
    bender = await startBender({ buildSecret: undefined });
    expect(await get(`${bender.url}/readyz`)).toMatchObject({ status: 200, json: { status: "ready", buildWebhook: false } });
    const build = await postBuild(bender, { image: "ghcr.io/acme/api:1.4.1" });
    expect(build.status).toBe(404);
    expect(build.json.error).toMatch(/BENDER_BUILD_SECRET/);
  });

  it("answers an unknown path 404 in JSON, naming the path", async () => {
    bender = await startBender();
    expect(await get(`${bender.url}/api/nothing-here?x=1`)).toEqual({
      status: 404,
      type: "application/json; charset=utf-8",
      json: { error: "no route for /api/nothing-here" },
    });
  });

  it("answers GET /api/builds 405", async () => {
    bender = await startBender();
    expect(await get(`${bender.url}/api/builds`)).toMatchObject({ status: 405, json: { error: "use POST" } });
  });

  it("answers GET on the GitHub webhook path 405 without calling GitHub", async () => {
    bender = await startBender();
    const response = await fetch(`${bender.url}/api/github/webhooks`);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(unmatched).toEqual([]);
  });
});

describe("the GitHub webhook path", () => {
  it("refuses a bad signature with 400 and makes no GitHub request", async () => {
    bender = await startBender();
    const response = await deliver(bender, "registry_package", fixture("registry_package.published.container"), { secret: "not-the-webhook-secret-at-all" });
    expect(response.status).toBe(400);
    expect(response.text).toMatch(/signature does not match/);
    expect(unmatched).toEqual([]);
    expect(bender.emitted).toEqual([]);
  });

  it("refuses a missing signature with 400", async () => {
    bender = await startBender();
    const response = await fetch(`${bender.url}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "no-signature" },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(unmatched).toEqual([]);
  });

  it("answers a correctly signed body that is not JSON with 400, not 500", async () => {
    bender = await startBender();
    const body = "registry_package=published&name=api";
    const response = await fetch(`${bender.url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "registry_package",
        "x-github-delivery": "not-json",
        "x-hub-signature-256": await sign(WEBHOOK_SECRET, body),
      },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Invalid JSON/);
    expect(unmatched).toEqual([]);
  });

  it("answers a body that is not declared JSON with 415", async () => {
    bender = await startBender();
    const body = JSON.stringify(fixture("registry_package.published.container"));
    const response = await fetch(`${bender.url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-github-event": "registry_package",
        "x-github-delivery": "form",
        "x-hub-signature-256": await sign(WEBHOOK_SECRET, body),
      },
      body,
    });
    expect(response.status).toBe(415);
    expect(unmatched).toEqual([]);
  });
});

describe("POST /api/builds at the edge", () => {
  it("refuses a missing or wrong signature with 401 before reading the build", async () => {
    bender = await startBender();
    expect((await postBuild(bender, { image: "ghcr.io/acme/api:1.4.1" }, { signature: null })).status).toBe(401);
    expect((await postBuild(bender, { image: "ghcr.io/acme/api:1.4.1" }, { secret: "another-secret-0123456789" })).status).toBe(401);
    expect(unmatched).toEqual([]);
  });

  it("answers a signed body that is not JSON with 400", async () => {
    bender = await startBender();
    const response = await postBuild(bender, undefined, { raw: "image=ghcr.io/acme/api:1.4.1" });
    expect(response.status).toBe(400);
    expect(response.json.error).toMatch(/not JSON/);
  });

  it("refuses a body over 64 KiB with 413", async () => {
    bender = await startBender();
    const response = await postBuild(bender, undefined, { raw: JSON.stringify({ image: "ghcr.io/acme/api:1.4.1", padding: "x".repeat(70 * 1024) }) });
    expect(response.status).toBe(413);
  });

  it("sends GitHub Enterprise Server traffic to GHE_HOST's API", async () => {
    const ghe = nock("https://github.example.com");
    ghe.get("/api/v3/repos/acme/manifests/installation").reply(200, { id: 7 });
    ghe.post("/api/v3/app/installations/7/access_tokens").reply(201, { token: "ghs_ghe", expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    ghe.post("/api/graphql", (body: { query?: string }) => /^query BenderConfig\(/.test(body.query ?? "")).reply(200, { data: { repository: { object: null } } });
    bender = await startBender({ githubApiUrl: "https://github.example.com/api/v3", githubWebUrl: "https://github.example.com" });

    const response = await postBuild(bender, { image: "ghcr.io/acme/api:1.4.1", repositories: ["acme/manifests"] }, { secret: BUILD_SECRET });

    expect(response.status).toBe(202);
    expect(response.proposals).toEqual([{ repository: "acme/manifests", environment: "", action: "skipped", detail: "acme/manifests has no .github/bender.yml" }]);
    expect(unmatched).toEqual([]);
  });
});

describe("bender serve", () => {
  const folder = mkdtempSync(path.join(tmpdir(), "bender-serve-"));
  const keyPath = path.join(folder, "app.pem");
  writeFileSync(keyPath, PRIVATE_KEY);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  beforeAll(() => {
    if (!existsSync(path.join(ROOT, "dist", "cli", "main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does it in pretest)");
  });

  /** Runs `node bin/bender.js serve` in a folder of its own, with only the environment given. */
  function serve(env: Record<string, string>, cwd = folder) {
    const child = spawn(process.execPath, [BIN, "serve"], { cwd, env: { PATH: process.env.PATH ?? "", ...CLOSED_GITHUB_ENV, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, exited, output: () => ({ stdout, stderr }) };
  }

  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  async function healthy(url: string, timeoutMs = 10_000): Promise<number> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        return (await fetch(url)).status;
      } catch (error) {
        if (Date.now() > until) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  it("exits 2 naming every bad variable, and echoes no secret", async () => {
    const run = serve({ WEBHOOK_SECRET: "tiny-secret", PORT: "0", GHE_HOST: "https://ghe.example.com" });
    expect(await run.exited).toBe(2);
    const { stderr } = run.output();
    for (const name of ["APP_ID", "WEBHOOK_SECRET", "PRIVATE_KEY or PRIVATE_KEY_PATH", "PORT", "GHE_HOST"]) expect(stderr).toContain(`  - ${name}: `);
    expect(stderr).not.toContain("tiny-secret");
    expect(stderr).toMatch(/^bender serve: invalid settings:/);
  });

  it("serves /healthz with a good environment and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const run = serve({ APP_ID: "123", WEBHOOK_SECRET, PRIVATE_KEY_PATH: keyPath, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info" });
    try {
      expect(await healthy(`http://127.0.0.1:${port}/healthz`)).toBe(200);
      expect((await get(`http://127.0.0.1:${port}/readyz`)).json).toEqual({ status: "ready", buildWebhook: false, slack: "off (GitHub-only)", github: expect.stringMatching(/^(not checked yet|GitHub cannot be reached: .*ECONNREFUSED)/) });
    } finally {
      run.child.kill("SIGTERM");
    }
    expect(await run.exited).toBe(0);
    expect(run.output().stdout).toContain('"msg":"Bender is listening"');
    expect(run.output().stdout).not.toContain(WEBHOOK_SECRET);
  });

  it("exits 3 with one JSON log line when its port is in use (EADDRINUSE), nothing on stderr", { timeout: 20_000 }, async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const run = serve({ APP_ID: "123", WEBHOOK_SECRET, PRIVATE_KEY_PATH: keyPath, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info" });
      expect(await run.exited).toBe(3);
      const { stdout, stderr } = run.output();
      expect(stderr).toBe("");
      const lines = stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.filter((line) => line.level === 60)).toEqual([
        expect.objectContaining({ code: "EADDRINUSE", port, msg: `cannot listen on 127.0.0.1:${port}: the port is in use (another Bender, or set PORT)` }),
      ]);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it("serves /metrics on METRICS_PORT only, when it is set, and refuses METRICS_PORT equal to PORT", { timeout: 20_000 }, async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    const run = serve({ APP_ID: "123", WEBHOOK_SECRET, PRIVATE_KEY_PATH: keyPath, PORT: String(port), METRICS_PORT: String(metricsPort), HOST: "127.0.0.1", LOG_LEVEL: "fatal" });
    try {
      expect(await healthy(`http://127.0.0.1:${port}/healthz`)).toBe(200);
      const publicPort = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(publicPort.status).toBe(404);
      expect(await publicPort.json()).toEqual({ error: `metrics are served on METRICS_PORT (${metricsPort}), not on this port` });
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^# HELP bender_builds_total /m);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status).toBe(404);
    } finally {
      run.child.kill("SIGTERM");
    }
    expect(await run.exited).toBe(0);

    const same = serve({ APP_ID: "123", WEBHOOK_SECRET, PRIVATE_KEY_PATH: keyPath, PORT: String(port), METRICS_PORT: String(port) });
    expect(await same.exited).toBe(2);
    expect(same.output().stderr).toContain("  - METRICS_PORT: must be a port number, 1 to 65535, other than PORT");
  });

  it("reads a .env file in its working directory", async () => {
    const port = await freePort();
    const cwd = mkdtempSync(path.join(folder, "with-env-"));
    writeFileSync(path.join(cwd, ".env"), `APP_ID=123\nWEBHOOK_SECRET=${WEBHOOK_SECRET}\nPRIVATE_KEY_PATH=${keyPath}\nBENDER_BUILD_SECRET=${BUILD_SECRET}\nHOST=127.0.0.1\n`);
    const run = serve({ PORT: String(port), LOG_LEVEL: "fatal" }, cwd);
    try {
      expect(await healthy(`http://127.0.0.1:${port}/healthz`)).toBe(200);
      expect((await get(`http://127.0.0.1:${port}/readyz`)).json).toEqual({ status: "ready", buildWebhook: true, slack: "off (GitHub-only)", github: expect.stringMatching(/^(not checked yet|GitHub cannot be reached: .*ECONNREFUSED)/) });
    } finally {
      run.child.kill("SIGTERM");
    }
    expect(await run.exited).toBe(0);
  });
});
