import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import path from "node:path";
import type { Logger } from "pino";
import { SETUP_CALLBACK_PATH, buildAppManifest, createAppUrl } from "../app-manifest.js";
import { nextStepsPage, problemPage, setupPage, slackSavedPage, starterPage } from "../pages.js";
import { fillSlackManifest, isLoopback } from "../slack-manifest.js";
import { starterConfig } from "../starter-config.js";
import { ConversionError, convertManifestCode } from "./convert-manifest.js";
import { readRepositoryPaths } from "../../github/read-repository-paths.js";
import { addToEnvFile } from "./write-env-file.js";
import { environmentFolders } from "../environment-folders.js";
import { REPOSITORY_PATTERN } from "../../server/settings.js";

/** Bender's package root, where app.yml and slack-app-manifest.yml live (this file is <root>/{src,dist}/setup/io/). */
const PACKAGE_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..");

export interface SetupServerOptions {
  /** The folder whose .env is written. */
  readonly cwd: string;
  readonly githubWebUrl: string;
  readonly githubApiUrl: string;
  /** GH_ORG (Probot's convention): create the App under this organisation unless the page says otherwise. */
  readonly organization?: string | undefined;
  readonly webhookProxyUrl?: string | undefined;
  /** BENDER_MANIFEST_REPOS' first repository, named in the starter config. */
  readonly manifestRepository?: string | undefined;
  readonly log: Logger;
  /**
   * The page listens on a loopback address only: requests naming another host (DNS rebinding: a web page
   * whose name resolves to 127.0.0.1) are refused. False when HOST exposes it on purpose.
   */
  readonly loopbackOnly?: boolean;
  /** Where app.yml and slack-app-manifest.yml are read; Bender's package root by default. */
  readonly packageRoot?: string;
}

/** A state or form token lives this long: GitHub's code lasts an hour. */
const TOKEN_LIFETIME_MS = 60 * 60 * 1000;
/** A set-up form is small; anything larger is refused unread. */
const MAX_FORM_BYTES = 16 * 1024;

/** One-time tokens: issued, then accepted once within their lifetime. */
class OneTimeTokens {
  readonly #issued = new Map<string, number>();
  issue(): string {
    const token = randomBytes(24).toString("hex");
    this.#issued.set(token, Date.now() + TOKEN_LIFETIME_MS);
    return token;
  }
  /** Whether `token` was issued and is still good; it is spent when `spend`. */
  accept(token: string | null, spend: boolean): boolean {
    if (!token) return false;
    for (const [issued, expires] of this.#issued) {
      if (expires < Date.now()) this.#issued.delete(issued);
      else if (issued.length === token.length && timingSafeEqual(Buffer.from(issued), Buffer.from(token))) {
        if (spend) this.#issued.delete(issued);
        return true;
      }
    }
    return false;
  }
}

/** The origin the browser used to reach this server; GitHub sends the person back here. */
function baseUrlOf(request: IncomingMessage): string {
  const forwarded = request.headers["x-forwarded-proto"];
  const protocol = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim() === "https" ? "https" : "http";
  return `${protocol}://${request.headers.host ?? "localhost"}`;
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** The cookie that ties GitHub's redirect to the browser that started the flow. */
const STATE_COOKIE = "bender_setup_state";

function cookie(request: IncomingMessage, name: string): string | null {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return null;
}

/** Loopback names: a page served on 127.0.0.1 answers only to these, so a DNS-rebound name cannot reach it. */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

function send(response: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    ...headers,
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' https: http:",
    "x-frame-options": "DENY",
  });
  response.end(html);
}

/**
 * The first-run server: GitHub's App manifest flow, then the next steps. Routes:
 * GET / (the form posting app.yml's manifest to GitHub, with a one-time `state`), GET /setup/callback
 * (checks the state, exchanges the code, writes .env), POST /setup/slack (the Slack secrets, guarded by a
 * one-time token from the next-steps page). Everything else is 404.
 */
export function createSetupServer(options: SetupServerOptions): Server {
  const root = options.packageRoot ?? PACKAGE_ROOT;
  const envFile = path.join(options.cwd, ".env");
  const states = new OneTimeTokens();
  const formTokens = new OneTimeTokens();
  /** The App this server created: the starter reads the repository with it. */
  let created: { id: number; pem: string } | undefined;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://setup.invalid");
    const baseUrl = baseUrlOf(request);
    const hostname = new URL(baseUrl).hostname;
    if (options.loopbackOnly !== false && !LOOPBACK_HOSTS.has(hostname)) {
      options.log.warn({ host: request.headers.host }, "set-up request for another host refused");
      return send(response, 421, problemPage("Wrong address", `This set-up page answers only at localhost, not ${hostname}.`, "Open it at http://localhost:<port>/, or set HOST to serve it on another address."));
    }
    if (request.method === "GET" && url.pathname === "/") {
      const organization = url.searchParams.get("org") || options.organization;
      if (organization && !/^[A-Za-z0-9-]{1,39}$/.test(organization)) {
        return send(response, 400, problemPage("Not an organisation login", `"${organization}" is not a GitHub login`, "Use letters, digits and dashes, up to 39."));
      }
      const manifest = buildAppManifest(await readFile(path.join(root, "app.yml"), "utf8"), { baseUrl, webhookProxyUrl: options.webhookProxyUrl });
      const state = states.issue();
      const secure = baseUrl.startsWith("https:") ? "; Secure" : "";
      // SameSite=Lax: the cookie comes back with GitHub's top-level redirect, never with a cross-site sub-request.
      const setCookie = `${STATE_COOKIE}=${state}; Path=/setup; HttpOnly; SameSite=Lax; Max-Age=3600${secure}`;
      return send(response, 200, setupPage({
        createAppUrl: createAppUrl(options.githubWebUrl, organization, state),
        manifestJson: JSON.stringify(manifest),
        githubWebUrl: options.githubWebUrl,
        organization,
        webhookUrl: manifest.hook_attributes.url,
      }), { "set-cookie": setCookie });
    }
    if (request.method === "GET" && url.pathname === SETUP_CALLBACK_PATH) {
      // 1. The state must be one this server issued (and is spent here): no cross-site request writes .env.
      // ... and it must be the one this browser was given (the cookie), so a link made for another browser fails.
      const state = url.searchParams.get("state");
      if (state !== cookie(request, STATE_COOKIE) || !states.accept(state, true)) {
        options.log.warn({ reason: url.searchParams.has("state") ? "unknown state" : "no state" }, "set-up callback refused");
        return send(response, 400, problemPage("Set-up link refused", "The link has no state, or one this server did not issue (or already used).", "Start from this server's set-up page, in the same browser, within an hour."));
      }
      const code = url.searchParams.get("code");
      if (!code || !/^[A-Za-z0-9_-]{1,100}$/.test(code)) {
        return send(response, 400, problemPage("No code from GitHub", "GitHub's redirect carried no code.", "Create the App again from the set-up page."));
      }
      // 2. Exchange the code for the App's id, key and secrets.
      let app;
      try {
        app = await convertManifestCode(code, options.githubApiUrl);
      } catch (error) {
        if (!(error instanceof ConversionError)) throw error;
        options.log.warn({ status: error.status, reason: error.message }, "GitHub App manifest conversion failed");
        return send(response, 502, problemPage("GitHub did not create the credentials", error.message, "Start again from the set-up page; if the App was created, delete it in GitHub's settings first or its name will be taken."));
      }
      // 3. Write them to .env, keeping any value already there.
      const merge = await addToEnvFile(envFile, {
        APP_ID: String(app.id),
        PRIVATE_KEY: app.pem,
        ...(app.webhookSecret ? { WEBHOOK_SECRET: app.webhookSecret } : {}),
        GITHUB_CLIENT_ID: app.clientId,
        GITHUB_CLIENT_SECRET: app.clientSecret,
      });
      created = { id: app.id, pem: app.pem };
      options.log.info({ appId: app.id, app: app.htmlUrl, written: merge.written, kept: merge.kept, file: envFile }, "GitHub App created; credentials written to .env");
      // 4. The next steps.
      return send(response, 200, nextStepsPage({
        appName: app.name,
        appUrl: app.htmlUrl,
        envFile,
        written: merge.written,
        kept: merge.kept,
        slackManifest: fillSlackManifest(await readFile(path.join(root, "slack-app-manifest.yml"), "utf8"), baseUrl),
        starterConfig: starterConfig(options.manifestRepository ?? "your manifest repository", { channel: "#deploys" }),
        manifestRepository: options.manifestRepository,
        socketMode: isLoopback(baseUrl),
        formToken: formTokens.issue(),
      }));
    }
    if (request.method === "GET" && url.pathname === "/setup/starter") {
      const repository = url.searchParams.get("repository")?.trim() ?? "";
      if (!REPOSITORY_PATTERN.test(repository)) {
        return send(response, 400, problemPage("Not a repository", `"${repository}" is not owner/name`, "Write the manifest repository as owner/name, e.g. acme/manifests."));
      }
      if (!created) return send(response, 409, problemPage("No App yet", "This server has not created the GitHub App.", "Create it first; the starter is read with its credentials."));
      const files = await readRepositoryPaths(created, options.githubApiUrl, repository);
      if (files.kind === "not-installed") {
        return send(response, 404, problemPage("The App is not installed there", `The App cannot see ${repository}.`, "Install it on the repository (step 1), then ask again."));
      }
      const folders = environmentFolders(files.paths);
      return send(response, 200, starterPage(repository, starterConfig(repository, { folders, channel: "#deploys" }), Object.keys(folders).length > 0));
    }
    if (request.method === "POST" && url.pathname === "/setup/slack") {
      const form = await readForm(request);
      if (!form || !formTokens.accept(form.get("token"), false)) {
        return send(response, 403, problemPage("Form refused", "The form carried no token, or one this server did not issue.", "Use the form on the next-steps page."));
      }
      const botToken = form.get("SLACK_BOT_TOKEN")?.trim() ?? "";
      const signingSecret = form.get("SLACK_SIGNING_SECRET")?.trim() ?? "";
      const appToken = form.get("SLACK_APP_TOKEN")?.trim() ?? "";
      const problems = [
        /^xoxb-[A-Za-z0-9-]+$/.test(botToken) ? undefined : "the Bot User OAuth Token starts with xoxb- (OAuth & Permissions page)",
        /^[0-9a-f]{32}$/.test(signingSecret) ? undefined : "the Signing Secret is 32 hex digits (Basic Information page)",
        appToken === "" || /^xapp-[A-Za-z0-9-]+$/.test(appToken) ? undefined : "the App-Level Token starts with xapp- (Basic Information page)",
      ].filter((problem) => problem !== undefined);
      if (problems.length > 0) return send(response, 400, problemPage("Slack secrets not saved", problems.join("; "), "Go back and paste them again."));
      const merge = await addToEnvFile(envFile, { SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: signingSecret, ...(appToken ? { SLACK_APP_TOKEN: appToken } : {}) });
      options.log.info({ written: merge.written, kept: merge.kept, file: envFile }, "Slack secrets written to .env");
      return send(response, 200, slackSavedPage(merge.written, merge.kept));
    }
    return send(response, 404, problemPage("Not found", `${request.method ?? "?"} ${url.pathname} is not part of the set-up.`, "Bender is in set-up mode until the GitHub App settings are in .env."));
  }

  return createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.log.error({ err: error }, "set-up request failed");
      if (!response.headersSent) send(response, 500, problemPage("Set-up failed", (error as Error).message, "See Bender's log."));
      else response.end();
    });
  });
}
