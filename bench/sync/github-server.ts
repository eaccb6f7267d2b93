/**
 * A GitHub Enterprise Server stand-in on 127.0.0.1 for the "sync" benchmarks and tests, plain node:http: the REST
 * calls of `bender sync` on one repository (ref with ETag and 304, tarball, deployments and their statuses),
 * stateful, each request logged so a benchmark can count them. Served at /api/v3, as GHE_HOST + GHE_PROTOCOL=http
 * reach it. Authentication is checked as GitHub does: a personal token; or, for a GitHub App, a JWT (RS256,
 * signed with the App's private key, verified with its public key, `iss` the App id, `exp` at most ten minutes
 * ahead) on /app routes and the installation lookup, and on everything else an installation token this server
 * issued and that has not expired.
 */
import { randomBytes, verify } from "node:crypto";
import type { KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface BenchGitHub {
  /** `127.0.0.1:<port>`, for GHE_HOST. */
  readonly host: string;
  /** "METHOD path status", one per request. */
  readonly requests: string[];
  /** Points `main` at `sha`, whose tarball is `archive`. */
  push(sha: string, archive: Buffer): void;
  readonly statuses: { deployment: number; state: string; description: string }[];
  /** Installation tokens issued (App credentials). */
  readonly tokensIssued: number;
  close(): Promise<void>;
}

/** A GitHub App the stand-in knows: its id, public key, and its installation on the repository. */
export interface BenchApp { readonly appId: number; readonly publicKey: KeyObject; readonly installationId: number; readonly tokenLifetimeMs?: number }

const REPO = "/api/v3/repos/acme/manifests";
const JWT_MAX_LIFETIME_S = 600;
const CLOCK_SKEW_S = 60;

function base64url(text: string): Buffer {
  return Buffer.from(text, "base64url");
}

/** GitHub's checks of an App's JWT; the reason it is refused, or undefined when it is good. */
function jwtProblem(jwt: string, app: BenchApp, nowS: number): string | undefined {
  const [header = "", payload = "", signature = ""] = jwt.split(".");
  let claims: { iss?: unknown; iat?: unknown; exp?: unknown };
  try {
    if ((JSON.parse(base64url(header).toString()) as { alg?: string }).alg !== "RS256") return "A JSON web token could not be decoded";
    claims = JSON.parse(base64url(payload).toString()) as typeof claims;
  } catch {
    return "A JSON web token could not be decoded";
  }
  if (!verify("sha256", Buffer.from(`${header}.${payload}`), app.publicKey, base64url(signature))) return "A JSON web token could not be decoded";
  if (String(claims.iss) !== String(app.appId)) return "Integration not found";
  if (typeof claims.exp !== "number" || typeof claims.iat !== "number") return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
  if (claims.exp <= nowS) return "'Expiration time' claim ('exp') is too far in the past";
  if (claims.exp > nowS + JWT_MAX_LIFETIME_S + CLOCK_SKEW_S) return "'Expiration time' claim ('exp') is too far in the future";
  if (claims.iat > nowS + CLOCK_SKEW_S) return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
  return undefined;
}

/** A stand-in for one repository, reached with `token` (a personal token) or as `app` (or either). */
export async function startBenchGitHub(token: string | undefined, options: { app?: BenchApp } = {}): Promise<BenchGitHub> {
  let head = "";
  const archives = new Map<string, Buffer>();
  const deployments: { id: number; sha: string; environment: string }[] = [];
  const statuses: { deployment: number; state: string; description: string }[] = [];
  const requests: string[] = [];
  const installationTokens = new Map<string, number>();
  const { app } = options;

  /** 401 with GitHub's message, or undefined when the request may go on. */
  function refusal(request: http.IncomingMessage, path: string): string | undefined {
    const [scheme = "", credential = ""] = (request.headers.authorization ?? "").split(" ");
    const appRoute = path.startsWith("/api/v3/app/") || path === `${REPO}/installation`;
    if (appRoute) {
      if (!app) return "Not Found";
      if (scheme.toLowerCase() !== "bearer") return "A JSON web token could not be decoded";
      return jwtProblem(credential, app, Math.floor(Date.now() / 1000));
    }
    if (!/^(?:token|bearer)$/iu.test(scheme)) return "Requires authentication";
    if (token !== undefined && credential === token) return undefined;
    const expires = installationTokens.get(credential);
    return expires !== undefined && expires > Date.now() ? undefined : "Bad credentials";
  }

  async function answer(request: http.IncomingMessage, url: URL): Promise<{ code: number; body?: unknown; headers?: Record<string, string>; raw?: Buffer | string }> {
    const path = url.pathname;
    const refused = refusal(request, path);
    if (refused) return { code: refused === "Not Found" ? 404 : 401, body: { message: refused } };
    if (app && request.method === "GET" && path === `${REPO}/installation`) return { code: 200, body: { id: app.installationId, app_id: app.appId } };
    const access = /^\/api\/v3\/app\/installations\/(\d+)\/access_tokens$/u.exec(path);
    if (app && request.method === "POST" && access) {
      if (Number(access[1]) !== app.installationId) return { code: 404, body: { message: "Not Found" } };
      const issued = `ghs_${randomBytes(18).toString("base64url")}`;
      const expiresAt = Date.now() + (app.tokenLifetimeMs ?? 3_600_000);
      installationTokens.set(issued, expiresAt);
      return { code: 201, body: { token: issued, expires_at: new Date(expiresAt).toISOString().replace(/\.\d+Z$/u, "Z"), permissions: { contents: "read", deployments: "write" }, repository_selection: "selected" } };
    }
    if (request.method === "GET" && path === `${REPO}/commits/main`) {
      const etag = `"${head}"`;
      if (request.headers["if-none-match"] === etag) return { code: 304 };
      return { code: 200, raw: head, headers: { "content-type": "application/vnd.github.sha; charset=utf-8", etag } };
    }
    const tarball = /^\/api\/v3\/repos\/acme\/manifests\/tarball\/([0-9a-f]{40})$/u.exec(path);
    if (request.method === "GET" && tarball) {
      const archive = archives.get(tarball[1]!);
      return archive ? { code: 200, raw: archive, headers: { "content-type": "application/x-gzip" } } : { code: 404, body: { message: "Not Found" } };
    }
    if (path === `${REPO}/deployments`) {
      if (request.method === "GET") {
        const found = deployments.filter((deployment) => deployment.sha === url.searchParams.get("sha") && deployment.environment === url.searchParams.get("environment")).reverse();
        return { code: 200, body: found.slice(0, Number(url.searchParams.get("per_page") ?? 30)).map(({ id, sha, environment }) => ({ id, sha, ref: sha, environment })) };
      }
      const body = JSON.parse(await readBody(request)) as { ref: string; environment: string };
      const deployment = { id: deployments.length + 1, sha: body.ref, environment: body.environment };
      deployments.push(deployment);
      return { code: 201, body: { id: deployment.id, sha: deployment.sha, environment: deployment.environment } };
    }
    const status = /^\/api\/v3\/repos\/acme\/manifests\/deployments\/(\d+)\/statuses$/u.exec(path);
    if (status) {
      const deployment = Number(status[1]);
      if (request.method === "GET") return { code: 200, body: statuses.filter((entry) => entry.deployment === deployment).reverse().slice(0, Number(url.searchParams.get("per_page") ?? 30)) };
      const body = JSON.parse(await readBody(request)) as { state: string; description: string };
      statuses.push({ deployment, state: body.state, description: body.description });
      return { code: 201, body: { id: statuses.length, state: body.state } };
    }
    return { code: 404, body: { message: "Not Found" } };
  }

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    answer(request, url).then(({ code, body, headers, raw }) => {
      requests.push(`${request.method ?? "GET"} ${url.pathname.replace(REPO, "")} ${code}`);
      response.writeHead(code, { "content-type": "application/json", ...headers });
      response.end(raw ?? (body === undefined ? undefined : JSON.stringify(body)));
    }, (error: unknown) => {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ message: (error as Error).message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    statuses,
    get tokensIssued() {
      return installationTokens.size;
    },
    push(sha, archive) {
      archives.set(sha, archive);
      head = sha;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
