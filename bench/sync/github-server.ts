/**
 * A GitHub Enterprise Server stand-in on 127.0.0.1 for the "sync" benchmark, plain node:http: the REST calls of
 * `bender sync` on one repository (ref with ETag and 304, tarball, deployments and their statuses), stateful,
 * each request logged so the benchmark can count them. Served at /api/v3, as GHE_HOST + GHE_PROTOCOL=http reach it.
 */
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
  close(): Promise<void>;
}

const REPO = "/api/v3/repos/acme/manifests";

export async function startBenchGitHub(token: string): Promise<BenchGitHub> {
  let head = "";
  const archives = new Map<string, Buffer>();
  const deployments: { id: number; sha: string; environment: string }[] = [];
  const statuses: { deployment: number; state: string; description: string }[] = [];
  const requests: string[] = [];

  async function answer(request: http.IncomingMessage, url: URL): Promise<{ code: number; body?: unknown; headers?: Record<string, string>; raw?: Buffer | string }> {
    if (request.headers.authorization !== `token ${token}`) return { code: 401, body: { message: "Bad credentials" } };
    const path = url.pathname;
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
