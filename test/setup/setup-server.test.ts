import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseEnv } from "node:util";
import nock from "nock";
import { pino } from "pino";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { readSettings } from "../../src/server/settings.js";
import { createSetupServer } from "../../src/setup/io/setup-server.js";
import type { SetupServerOptions } from "../../src/setup/io/setup-server.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const PEM = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;

/** GitHub's answer to POST /app-manifests/{code}/conversions (shape from GitHub's REST reference: "Create a GitHub App from a manifest"). */
function conversion(webUrl = "https://github.com") {
  return {
    id: 424242,
    slug: "bender-acme",
    node_id: "A_kwDOAAAB",
    owner: { login: "acme", id: 1, type: "Organization" },
    name: "Bender (acme)",
    description: "Every container build becomes a pull request",
    external_url: "https://github.com/apps/bender",
    html_url: `${webUrl}/apps/bender-acme`,
    created_at: "2026-11-27T15:00:00Z",
    updated_at: "2026-11-27T15:00:00Z",
    permissions: { contents: "write", metadata: "read" },
    events: ["push"],
    client_id: "Iv23liBENDERclient",
    client_secret: "0123456789abcdef0123456789abcdef01234567",
    webhook_secret: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4",
    pem: PEM,
  };
}

let folder: string;
let server: Server;
let base: string;

async function start(options: Partial<SetupServerOptions> = {}): Promise<void> {
  server = createSetupServer({ cwd: folder, githubWebUrl: "https://github.com", githubApiUrl: "https://api.github.com", log: pino({ level: "silent" }), ...options });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeEach(() => {
  folder = mkdtempSync(path.join(tmpdir(), "bender-setup-"));
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(folder, { recursive: true, force: true });
});

/** The set-up page's form: where it posts, and the manifest it carries. */
async function setupForm(query = ""): Promise<{ action: URL; manifest: Record<string, unknown>; html: string; cookie: string }> {
  const response = await fetch(`${base}/${query}`);
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  expect(response.status).toBe(200);
  const html = await response.text();
  const action = html.match(/<form action="(?<url>[^"]+)" method="post">/)?.groups?.url;
  const manifest = html.match(/name="manifest" value="(?<json>[^"]+)"/)?.groups?.json;
  if (!action || !manifest) throw new Error(`no manifest form in:\n${html}`);
  const unescape = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  return { action: new URL(unescape(action)), manifest: JSON.parse(unescape(manifest)) as Record<string, unknown>, html, cookie };
}

/** A fresh state from the set-up page, and GitHub's redirect back with `code` in the same browser (the cookie). */
async function callback(code: string): Promise<Response> {
  const { action, cookie } = await setupForm();
  return fetch(`${base}/setup/callback?code=${code}&state=${action.searchParams.get("state") ?? ""}`, { headers: { cookie } });
}

function envFile(): Record<string, string> {
  return parseEnv(readFileSync(path.join(folder, ".env"), "utf8")) as Record<string, string>;
}

describe("the set-up page", () => {
  it("posts app.yml's permissions and events to github.com, with this host's webhook and redirect URLs and a state", async () => {
    await start();
    const { action, manifest } = await setupForm();
    expect(action.origin + action.pathname).toBe("https://github.com/settings/apps/new");
    expect(action.searchParams.get("state")).toMatch(/^[0-9a-f]{48}$/);
    const appYml = parse(readFileSync(path.join(ROOT, "app.yml"), "utf8")) as Record<string, unknown>;
    expect(manifest.default_permissions).toEqual(appYml.default_permissions);
    expect(manifest.default_events).toEqual(appYml.default_events);
    expect(manifest.public).toBe(false);
    expect(manifest.hook_attributes).toEqual({ url: `${base}/api/github/webhooks`, active: true });
    expect(manifest.redirect_url).toBe(`${base}/setup/callback`);
    // Each visit gets its own state.
    expect((await setupForm()).action.searchParams.get("state")).not.toBe(action.searchParams.get("state"));
  });

  it("creates the App under an organisation, and on GitHub Enterprise Server's host", async () => {
    await start({ githubWebUrl: "https://ghe.example.com", githubApiUrl: "https://ghe.example.com/api/v3", webhookProxyUrl: "https://smee.io/abc123" });
    const { action, manifest } = await setupForm("?org=acme-platform");
    expect(action.origin + action.pathname).toBe("https://ghe.example.com/organizations/acme-platform/settings/apps/new");
    expect(manifest.hook_attributes).toEqual({ url: "https://smee.io/abc123", active: true });
    expect((await fetch(`${base}/?org=${encodeURIComponent('"><script>')}`)).status).toBe(400);
  });

  it("answers 404 for anything else", async () => {
    await start();
    expect((await fetch(`${base}/api/github/webhooks`, { method: "POST" })).status).toBe(404);
  });
});

describe("GitHub's redirect back", () => {
  it("exchanges the code on github.com, writes .env (0600) that Bender's settings read, and shows the next steps", async () => {
    await start({ manifestRepository: "acme/manifests" });
    nock("https://api.github.com").post("/app-manifests/a1b2c3/conversions").reply(201, conversion());
    const response = await callback("a1b2c3");
    const html = await response.text();
    expect(response.status).toBe(200);

    // .env: mode 0600, every credential, readable by Bender's own settings.
    expect(statSync(path.join(folder, ".env")).mode & 0o777).toBe(0o600);
    const env = envFile();
    expect(env).toMatchObject({ APP_ID: "424242", PRIVATE_KEY: PEM, WEBHOOK_SECRET: conversion().webhook_secret, GITHUB_CLIENT_ID: "Iv23liBENDERclient", GITHUB_CLIENT_SECRET: conversion().client_secret });
    const settings = readSettings(env);
    expect(settings.appId).toBe(424242);
    expect(settings.privateKey.trim()).toBe(PEM.trim());

    // Next steps: install link, the Slack manifest for this host, the Slack form, a starter config that is valid.
    expect(html).toContain('href="https://github.com/apps/bender-acme/installations/new"');
    const textareas = [...html.matchAll(/<textarea rows="\d+" readonly>(?<text>[^<]*)<\/textarea>/g)].map((match) => (match.groups?.text ?? "").replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))) ?? "");
    expect(textareas).toHaveLength(2);
    const slackManifest = parse(textareas[0] ?? "") as { settings: { interactivity: { request_url: string } }; features: { slash_commands: { url: string }[] } };
    expect(slackManifest.settings.interactivity.request_url).toBe(`${base}/slack/events`);
    expect(slackManifest.features.slash_commands[0]?.url).toBe(`${base}/slack/events`);
    // 127.0.0.1 is out of Slack's reach: the manifest turns Socket Mode on, and the form asks for the app token.
    expect((slackManifest.settings as { socket_mode_enabled?: boolean }).socket_mode_enabled).toBe(true);
    expect(html).toContain('name="SLACK_APP_TOKEN"');
    expect(textareas[1]).toContain("acme/manifests");
    expect(parseConfig(textareas[1] ?? "")).toMatchObject({ ok: true });
    expect(html).toContain('action="/setup/slack"');
    expect(html).not.toContain(conversion().client_secret);
  });

  it("exchanges the code with GitHub Enterprise Server's API", async () => {
    await start({ githubWebUrl: "https://ghe.example.com", githubApiUrl: "https://ghe.example.com/api/v3" });
    nock("https://ghe.example.com").post("/api/v3/app-manifests/ghecode/conversions").reply(201, conversion("https://ghe.example.com"));
    const html = await (await callback("ghecode")).text();
    expect(html).toContain('href="https://ghe.example.com/apps/bender-acme/installations/new"');
    expect(envFile().APP_ID).toBe("424242");
  });

  it("keeps every value .env already has, fills empty ones, and keeps comments", async () => {
    writeFileSync(path.join(folder, ".env"), "# mine\nAPP_ID=99\nWEBHOOK_SECRET=\nLOG_LEVEL=debug\n", { mode: 0o644 });
    await start();
    nock("https://api.github.com").post("/app-manifests/keep/conversions").reply(201, conversion());
    const html = await (await callback("keep")).text();
    const text = readFileSync(path.join(folder, ".env"), "utf8");
    expect(text.startsWith("# mine\nAPP_ID=99\nWEBHOOK_SECRET=e3b0c44298fc1c149afbf4c8996fb92427ae41e4\nLOG_LEVEL=debug\n")).toBe(true);
    expect(envFile()).toMatchObject({ APP_ID: "99", LOG_LEVEL: "debug", PRIVATE_KEY: PEM });
    expect(statSync(path.join(folder, ".env")).mode & 0o777).toBe(0o600);
    expect(html).toMatch(/Kept as they were \(already set\): <code>APP_ID<\/code>\./);
  });

  it("refuses a missing, unknown or used state and writes nothing", async () => {
    await start();
    for (const query of ["code=x1", "code=x1&state=", `code=x1&state=${"0".repeat(48)}`]) {
      const response = await fetch(`${base}/setup/callback?${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.text()).toContain("Set-up link refused");
    }
    expect(existsSync(path.join(folder, ".env"))).toBe(false);
    // A state works once, and only in the browser it was given to (its cookie).
    const { action, cookie } = await setupForm();
    const link = `${base}/setup/callback?code=once&state=${action.searchParams.get("state") ?? ""}`;
    expect(cookie).toMatch(/^bender_setup_state=[0-9a-f]{48}$/);
    expect((await fetch(link)).status).toBe(400);
    const otherBrowser = (await setupForm()).cookie;
    expect((await fetch(link, { headers: { cookie: otherBrowser } })).status).toBe(400);
    nock("https://api.github.com").post("/app-manifests/once/conversions").reply(201, conversion());
    expect((await fetch(link, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(link, { headers: { cookie } })).status).toBe(400);
  });

  it("answers only to loopback names, so a DNS-rebound page cannot drive it", async () => {
    await start();
    const port = new URL(base).port;
    const { request } = await import("node:http");
    const statusFor = (host: string) =>
      new Promise<number | undefined>((resolve, reject) => {
        request({ host: "127.0.0.1", port, path: "/", headers: { host } }, (response) => {
          response.resume();
          resolve(response.statusCode);
        }).on("error", reject).end();
      });
    expect(await statusFor(`rebound.example:${port}`)).toBe(421);
    expect(await statusFor(`localhost:${port}`)).toBe(200);
    expect(await statusFor(`[::1]:${port}`)).toBe(200);
  });

  it.each([
    [404, { message: "Not Found" }, "GitHub did not accept the code (404: Not Found): it works once and for one hour"],
    [422, { message: "Validation Failed" }, "GitHub did not accept the code (422: Validation Failed)"],
    [500, { message: "Server Error" }, "GitHub answered 500: Server Error"],
  ])("shows a conversion failure (%i) clearly and writes nothing", async (status, body, said) => {
    await start();
    nock("https://api.github.com").post("/app-manifests/bad/conversions").reply(status, body);
    const response = await callback("bad");
    expect(response.status).toBe(502);
    expect(await response.text()).toContain(said);
    expect(existsSync(path.join(folder, ".env"))).toBe(false);
  });

  it("says when GitHub cannot be reached", async () => {
    await start({ githubApiUrl: "https://ghe.example.com/api/v3", githubWebUrl: "https://ghe.example.com" });
    nock("https://ghe.example.com").post("/api/v3/app-manifests/down/conversions").replyWithError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
    const response = await callback("down");
    expect(response.status).toBe(502);
    expect(await response.text()).toContain("GitHub could not be reached at https://ghe.example.com/api/v3");
  });
});

describe("the Slack secrets form", () => {
  async function nextSteps(): Promise<string> {
    nock("https://api.github.com").post("/app-manifests/slack/conversions").reply(201, conversion());
    const html = await (await callback("slack")).text();
    return html.match(/name="token" value="(?<token>[0-9a-f]+)"/)?.groups?.token ?? "";
  }
  const post = (form: Record<string, string>) => fetch(`${base}/setup/slack`, { method: "POST", body: new URLSearchParams(form) });

  it("writes well-formed secrets with the page's token, and refuses a post without it", async () => {
    await start();
    const token = await nextSteps();
    const secrets = { SLACK_BOT_TOKEN: "xoxb-1-2-abc", SLACK_SIGNING_SECRET: "0123456789abcdef0123456789abcdef" };
    expect((await post({ ...secrets })).status).toBe(403);
    expect((await post({ ...secrets, token: "f".repeat(48) })).status).toBe(403);
    expect(envFile().SLACK_BOT_TOKEN).toBeUndefined();
    const bad = await post({ token, SLACK_BOT_TOKEN: "xoxp-user", SLACK_SIGNING_SECRET: "nope" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("starts with xoxb-");
    expect((await post({ token, ...secrets, SLACK_APP_TOKEN: "xoxb-not-an-app-token" })).status).toBe(400);
    expect((await post({ token, ...secrets, SLACK_APP_TOKEN: "xapp-1-A0B-1-abc" })).status).toBe(200);
    expect(envFile()).toMatchObject({ ...secrets, SLACK_APP_TOKEN: "xapp-1-A0B-1-abc" });
    expect(readSettings(envFile()).slack).toMatchObject({ botToken: "xoxb-1-2-abc", appToken: "xapp-1-A0B-1-abc" });
  });
});

describe("the starter for a repository", () => {
  async function createApp(): Promise<void> {
    nock("https://api.github.com").post("/app-manifests/starter/conversions").reply(201, conversion());
    expect((await callback("starter")).status).toBe(200);
  }

  it("reads the repository's folders with the App just created and offers a valid config for them", async () => {
    await start();
    expect((await fetch(`${base}/setup/starter?repository=acme/manifests`)).status).toBe(409);
    await createApp();
    nock("https://api.github.com", { reqheaders: { authorization: (value) => /^bearer ey/i.test(value) } })
      .get("/repos/acme/manifests/installation")
      .reply(200, { id: 77, account: { login: "acme" }, app_id: 424242 });
    nock("https://api.github.com").post("/app/installations/77/access_tokens").reply(201, { token: "ghs_starter", expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    nock("https://api.github.com", { reqheaders: { authorization: "token ghs_starter" } })
      .get("/repos/acme/manifests")
      .reply(200, { full_name: "acme/manifests", default_branch: "trunk" })
      .get("/repos/acme/manifests/git/trees/trunk")
      .query({ recursive: "1" })
      .reply(200, {
        sha: "0".repeat(40),
        truncated: false,
        tree: [
          { path: "clusters", type: "tree" },
          { path: "clusters/prod/api.yaml", type: "blob" },
          { path: "clusters/staging/api.yaml", type: "blob" },
        ],
      });
    const response = await fetch(`${base}/setup/starter?repository=acme/manifests`);
    expect(response.status).toBe(200);
    const html = await response.text();
    const starter = (html.match(/<textarea rows="20" readonly>(?<text>[^<]*)<\/textarea>/)?.groups?.text ?? "").replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    const parsed = parseConfig(starter);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(parsed.config.environments).toMatchObject({ staging: { paths: ["clusters/staging"], autoPin: true }, prod: { paths: ["clusters/prod"], autoPin: false } });
  });

  it("says so when the App is not installed on the repository, and refuses a malformed name", async () => {
    await start();
    await createApp();
    nock("https://api.github.com").get("/repos/acme/elsewhere/installation").reply(404, { message: "Not Found" });
    const response = await fetch(`${base}/setup/starter?repository=acme/elsewhere`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("The App cannot see acme/elsewhere.");
    expect((await fetch(`${base}/setup/starter?repository=${encodeURIComponent("../x")}`)).status).toBe(400);
  });
});

