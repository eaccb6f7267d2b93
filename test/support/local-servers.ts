/**
 * Plain node:http stand-ins for a GitHub Enterprise Server and a Slack Web
 * API on 127.0.0.1, for tests that must prove where Bender's requests go
 * without nock in the way: each logs every request it receives (method, path,
 * Host header), and the GitHub one answers GraphQL from a FakeRepository.
 * `watchOutbound` records the destination of every outbound request the
 * process makes, whatever made it.
 */
import { createPublicKey, verify } from "node:crypto";
import diagnostics from "node:diagnostics_channel";
import http from "node:http";
import https from "node:https";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { validate } from "@octokit/graphql-schema";
import nock from "nock";
import type { FakeRepository } from "./fake-github.js";

export interface LoggedRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly path: string;
  /** The Host header. */
  readonly host: string;
  /** `jwt` (a valid App JWT), `installation` (the installation token), `bot` (the Slack bot token), `none` or `other`. */
  readonly auth: "jwt" | "installation" | "bot" | "none" | "other";
  /** The GraphQL operation name, for POST /api/graphql. */
  readonly operation?: string;
  readonly body: unknown;
}

export interface LocalServer {
  readonly port: number;
  /** `127.0.0.1:<port>` */
  readonly host: string;
  readonly requests: LoggedRequest[];
  close(): Promise<void>;
}

async function listen(handler: (request: IncomingMessage, response: ServerResponse) => Promise<void>): Promise<{ server: Server; port: number }> {
  const server = http.createServer((request, response) => {
    handler(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ message: (error as Error).message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  response.end(JSON.stringify(body));
}

// ---- GitHub Enterprise Server ------------------------------------------------------

export interface LocalGithub extends LocalServer {
  /** `http://127.0.0.1:<port>`: the web base URL links should use. */
  readonly webUrl: string;
  /** GraphQL documents that failed validation against GitHub's schema. */
  readonly invalidDocuments: { operation: string | undefined; errors: string[] }[];
}

export const INSTALLATION_TOKEN = "ghs_localenterprisetoken";

/** Whether `authorization` carries an RS256 JWT signed with the App's key and issued for `appId`. */
function isAppJwt(authorization: string | undefined, publicKey: ReturnType<typeof createPublicKey>, appId: number): boolean {
  const token = /^bearer (?<jwt>[\w-]+\.[\w-]+\.[\w-]+)$/i.exec(authorization ?? "")?.groups?.jwt;
  if (!token) return false;
  const [header = "", payload = "", signature = ""] = token.split(".");
  if (!verify("sha256", Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, "base64url"))) return false;
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { iss?: unknown; exp?: number };
  return String(claims.iss) === String(appId) && (claims.exp ?? 0) * 1000 > Date.now();
}

/**
 * A GitHub Enterprise Server for one repository and one installation: App
 * tokens and the repository's installation under /api/v3 (App JWT only), and
 * GraphQL at /api/graphql (installation token only) answered by the fake,
 * whose `https://github.com/` URLs are given as this server's own, as an
 * Enterprise host gives its own. Anything else is 404, and logged like the rest.
 */
export async function startLocalGithub(options: {
  repository: FakeRepository;
  installationId: number;
  appId: number;
  privateKey: string;
}): Promise<LocalGithub> {
  const { repository, installationId, appId } = options;
  const publicKey = createPublicKey(options.privateKey);
  const requests: LoggedRequest[] = [];
  const invalidDocuments: LocalGithub["invalidDocuments"] = [];
  let webUrl = "";

  const { server, port } = await listen(async (request, response) => {
    const text = await readBody(request);
    const path = request.url ?? "/";
    const authorization = request.headers.authorization;
    const auth: LoggedRequest["auth"] = isAppJwt(authorization, publicKey, appId)
      ? "jwt"
      : new RegExp(`^token ${INSTALLATION_TOKEN}$`, "i").test(authorization ?? "")
        ? "installation"
        : authorization === undefined
          ? "none"
          : "other";
    let body: unknown = text;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      // Logged as text.
    }
    const query = (body as { query?: unknown } | undefined)?.query;
    const operation = typeof query === "string" ? /^(?:query|mutation) (\w+)/.exec(query)?.[1] : undefined;
    requests.push({ method: request.method ?? "?", path, host: request.headers.host ?? "", auth, ...(operation ? { operation } : {}), body });

    const tokenPath = /^\/api\/v3\/app\/installations\/(?<id>\d+)\/access_tokens$/.exec(path);
    if (request.method === "POST" && tokenPath) {
      if (auth !== "jwt") return reply(response, 401, { message: "A JSON web token could not be decoded" });
      if (Number(tokenPath.groups?.id) !== installationId) return reply(response, 404, { message: "Not Found" });
      return reply(response, 201, {
        token: INSTALLATION_TOKEN,
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        permissions: { contents: "write", pull_requests: "write", metadata: "read" },
        repository_selection: "all",
      });
    }
    const installationPath = /^\/api\/v3\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/installation$/.exec(path);
    if (request.method === "GET" && installationPath) {
      if (auth !== "jwt") return reply(response, 401, { message: "A JSON web token could not be decoded" });
      if (`${installationPath.groups?.owner}/${installationPath.groups?.repo}` !== repository.nameWithOwner) return reply(response, 404, { message: "Not Found" });
      return reply(response, 200, { id: installationId, account: { login: repository.owner }, app_id: appId });
    }
    if (request.method === "POST" && path === "/api/graphql") {
      if (auth !== "installation") return reply(response, 401, { message: "Bad credentials" });
      const { query: document, variables } = body as { query: string; variables: Record<string, never> };
      const errors = validate(document);
      if (errors.length > 0) {
        invalidDocuments.push({ operation, errors: errors.map((error: { message: string }) => error.message) });
        return reply(response, 400, { message: "invalid document" });
      }
      const answer = document.startsWith("mutation") ? repository.answerMutation(document, variables) : repository.answerQuery(document, variables ?? {});
      const own = JSON.stringify(answer).replaceAll(`"url":"https://github.com/`, `"url":"${webUrl}/`);
      response.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      response.end(own);
      return;
    }
    reply(response, 404, { message: "Not Found", documentation_url: `${webUrl}/docs` });
  });
  webUrl = `http://127.0.0.1:${port}`;
  return { port, host: `127.0.0.1:${port}`, webUrl, requests, invalidDocuments, close: () => close(server) };
}

// ---- Slack Web API ---------------------------------------------------------------------

export interface PostedMessage {
  readonly channel: string;
  readonly ts: string;
  readonly text: string;
  /** The blocks as Bender sent them (JSON). */
  readonly blocks: unknown;
}

export interface LocalSlack extends LocalServer {
  /** `http://127.0.0.1:<port>/api/`, for SLACK_API_URL. */
  readonly apiUrl: string;
  readonly messages: PostedMessage[];
}

/** The ID this Slack gives every channel name. */
export const CHANNEL_ID = "C0LOCAL001";

function slackParameters(request: IncomingMessage, text: string): Record<string, unknown> {
  if ((request.headers["content-type"] ?? "").startsWith("application/json")) return JSON.parse(text) as Record<string, unknown>;
  const parameters: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    try {
      parameters[key] = key === "blocks" || key === "attachments" ? JSON.parse(value) : value;
    } catch {
      parameters[key] = value;
    }
  }
  return parameters;
}

/** A Slack Web API under /api/: chat.postMessage, chat.update and auth.test for one bot token; any other method is `unknown_method`. */
export async function startLocalSlack(options: { botToken: string }): Promise<LocalSlack> {
  const requests: LoggedRequest[] = [];
  const messages: PostedMessage[] = [];
  let sequence = 0;
  const { server, port } = await listen(async (request, response) => {
    const text = await readBody(request);
    const path = request.url ?? "/";
    const auth: LoggedRequest["auth"] =
      request.headers.authorization === `Bearer ${options.botToken}` ? "bot" : request.headers.authorization === undefined ? "none" : "other";
    const parameters = slackParameters(request, text);
    requests.push({ method: request.method ?? "?", path, host: request.headers.host ?? "", auth, body: parameters });
    if (auth !== "bot") return reply(response, 200, { ok: false, error: "invalid_auth" });
    switch (path) {
      case "/api/auth.test":
        return reply(response, 200, { ok: true, url: "https://acme.slack.invalid/", team: "Acme", user: "bender", team_id: "T0LOCAL01", user_id: "U0LOCAL01", bot_id: "B0LOCAL01" });
      case "/api/chat.postMessage": {
        const channel = String(parameters.channel ?? "");
        const message = { channel: channel.startsWith("#") ? CHANNEL_ID : channel, ts: `1700000000.${String(++sequence).padStart(6, "0")}`, text: String(parameters.text ?? ""), blocks: parameters.blocks };
        messages.push(message);
        return reply(response, 200, { ok: true, channel: message.channel, ts: message.ts, message: { text: message.text, blocks: message.blocks } });
      }
      case "/api/chat.update":
        return reply(response, 200, { ok: true, channel: parameters.channel, ts: parameters.ts, text: parameters.text });
      default:
        return reply(response, 200, { ok: false, error: "unknown_method" });
    }
  });
  return { port, host: `127.0.0.1:${port}`, apiUrl: `http://127.0.0.1:${port}/api/`, requests, messages, close: () => close(server) };
}

// ---- Outbound guard --------------------------------------------------------------------

export interface OutboundRequest {
  /** Which layer saw it: fetch, http.request, undici, socket, dns, nock. */
  readonly via: string;
  /** `host:port` (or the host name alone, for a DNS lookup). */
  readonly destination: string;
}

export interface OutboundGuard {
  readonly seen: OutboundRequest[];
  /** What went anywhere but these `host:port` destinations. */
  strays(allowed: readonly string[]): OutboundRequest[];
  stop(): void;
}

const DEFAULT_PORT: Record<string, string> = { "http:": "80", "https:": "443" };

function destinationOf(url: URL): string {
  return `${url.hostname}:${url.port || DEFAULT_PORT[url.protocol] || "?"}`;
}

function requestDestination(args: unknown[], protocol: string): string {
  const [first, second] = args;
  if (typeof first === "string" || first instanceof URL) return destinationOf(new URL(String(first)));
  const options = (first ?? second ?? {}) as { hostname?: string; host?: string; port?: number | string; protocol?: string };
  const scheme = options.protocol ?? protocol;
  return `${options.hostname ?? options.host ?? "localhost"}:${options.port ?? DEFAULT_PORT[scheme] ?? "?"}`;
}

/**
 * Records every outbound request from now on, at every layer one could take:
 * `globalThis.fetch` (Octokit, Slack's WebClient), node:http and node:https
 * `request`/`get`, undici's and net's diagnostics channels (every connection
 * actually opened, and every DNS lookup), and nock's "no match" (what
 * disableNetConnect refused). Install it before the code under test makes its
 * clients: Slack's WebClient keeps the `fetch` it found when it was made.
 */
export function watchOutbound(): OutboundGuard {
  const seen: OutboundRequest[] = [];
  const note = (via: string, destination: string) => seen.push({ via, destination });

  const originalFetch = globalThis.fetch;
  globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
    note("fetch", destinationOf(new URL(input instanceof Request ? input.url : String(input))));
    return originalFetch(input, init);
  };

  const patched: { module: typeof http | typeof https; name: "request" | "get"; original: typeof http.request }[] = [];
  for (const [module, protocol] of [[http, "http:"], [https, "https:"]] as const) {
    for (const name of ["request", "get"] as const) {
      const original = module[name] as typeof http.request;
      patched.push({ module, name, original });
      (module as { [key in typeof name]: unknown })[name] = (...args: unknown[]) => {
        note(`${protocol.slice(0, -1)}.${name}`, requestDestination(args, protocol));
        return (original as (...parameters: unknown[]) => unknown)(...args);
      };
    }
  }

  const onUndiciRequest = (message: unknown) => {
    const origin = (message as { request: { origin: string | URL } }).request.origin;
    note("undici", destinationOf(new URL(String(origin))));
  };
  const onUndiciConnect = (message: unknown) => {
    const params = (message as { connectParams: { hostname: string; port: string; protocol: string } }).connectParams;
    note("undici connect", `${params.hostname}:${params.port || DEFAULT_PORT[params.protocol] || "?"}`);
  };
  const onSocket = (message: unknown) => {
    const socket = (message as { socket: Socket }).socket;
    socket.once("lookup", (_error: Error | null, _address: string, _family: number, host: string) => note("dns", host));
    socket.once("connect", () => note("socket", `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`));
  };
  const onNoMatch = (request: { hostname?: string; host?: string; port?: number | string; protocol?: string; href?: string }) => {
    const destination = request.href ? destinationOf(new URL(request.href)) : `${request.hostname ?? request.host ?? "?"}:${request.port ?? DEFAULT_PORT[request.protocol ?? ""] ?? "?"}`;
    note("nock", destination);
  };
  diagnostics.subscribe("undici:request:create", onUndiciRequest);
  diagnostics.subscribe("undici:client:beforeConnect", onUndiciConnect);
  diagnostics.subscribe("net.client.socket", onSocket);
  nock.emitter.on("no match", onNoMatch);

  return {
    seen,
    strays(allowed) {
      const hosts = new Set(allowed.map((destination) => destination.replace(/:\d+$/, "")));
      return seen.filter((request) => (request.via === "dns" ? !hosts.has(request.destination) : !allowed.includes(request.destination)));
    },
    stop() {
      globalThis.fetch = originalFetch;
      for (const { module, name, original } of patched) (module as { [key in typeof name]: unknown })[name] = original;
      diagnostics.unsubscribe("undici:request:create", onUndiciRequest);
      diagnostics.unsubscribe("undici:client:beforeConnect", onUndiciConnect);
      diagnostics.unsubscribe("net.client.socket", onSocket);
      nock.emitter.removeListener("no match", onNoMatch);
    },
  };
}
