import { createServer } from "node:https";
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from "node:http2";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { parseLabelSelector } from "./fake-kubernetes/label-selector.js";
import type { JsonObject } from "./fake-kubernetes/managed-fields.js";
import { builtInResources, coreVersions, groupList, groupVersion, resourceList, typesOfDefinition, type ResourceType } from "./fake-kubernetes/resources.js";
import { notFound, ObjectStore, StatusError } from "./fake-kubernetes/store.js";
import { testCertificates } from "./fake-kubernetes/tls.js";

/** One request the fake answered, for counting round trips in tests and benchmarks. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly dryRun: boolean;
  readonly status: number;
  readonly accept: string;
  /** "2.0" over HTTP/2, "1.1" over HTTP/1.1. */
  readonly httpVersion: string;
}

/** A fault a test injects: answered instead of the real outcome when `matches` says so. */
export interface InjectedFault {
  matches(request: { method: string; kind: string; namespace?: string; name?: string; dryRun: boolean }): boolean;
  readonly code: number;
  readonly reason: string;
  readonly message: string;
  times?: number;
}

export interface FakeKubernetes {
  readonly url: string;
  readonly token: string;
  readonly caPem: string;
  readonly store: ObjectStore;
  readonly requests: RecordedRequest[];
  readonly faults: InjectedFault[];
  /** Writes a kubeconfig for this fake into a fresh temp folder; returns its path. */
  writeKubeconfig(): string;
  close(): Promise<void>;
}

const MAX_BODY = 3 * 1024 * 1024; // the API server's request limit

interface Route { type: ResourceType; namespace?: string; name?: string; subresource?: string }

/**
 * A stateful Kubernetes API over HTTPS on 127.0.0.1 with bearer-token auth: discovery (legacy documents; clients
 * asking for aggregated discovery fall back to them, as they do against old servers), CRUD with resourceVersion
 * and generation, server-side apply with field managers and conflicts, dryRun=All, label selectors and Status
 * errors. Workloads roll out, CRDs become Established and Namespaces Active after `store.defaultSettleReads` reads.
 * Like the API server it speaks HTTP/2 to clients that offer h2 (ALPN) and HTTP/1.1 to the others; `http1Only`
 * makes it a server (or a proxy in front of one) that offers only HTTP/1.1.
 */
export async function startFakeKubernetes(options: { token?: string; clock?: () => number; http1Only?: boolean } = {}): Promise<FakeKubernetes> {
  const token = options.token ?? "fake-token-for-tests";
  const clock = options.clock ?? Date.now;
  const certificates = testCertificates();
  const types: ResourceType[] = builtInResources();
  const store = new ObjectStore();
  store.onEstablished = (crd) => {
    for (const type of typesOfDefinition(crd)) {
      if (!types.some((known) => known.group === type.group && known.version === type.version && known.kind === type.kind)) types.push(type);
    }
  };
  const namespaces = types.find((type) => type.kind === "Namespace")!;
  for (const name of ["default", "kube-system"]) {
    store.create({ type: namespaces, namespace: undefined, name, dryRun: false, manager: "kube-apiserver", time: new Date(clock()).toISOString() }, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
    store.read(namespaces, undefined, name);
  }
  const requests: RecordedRequest[] = [];
  const faults: InjectedFault[] = [];
  const folders: string[] = [];

  function route(parts: string[]): Route | undefined {
    const [root, ...rest] = parts;
    const gv = root === "api" ? rest.shift() : `${rest.shift()}/${rest.shift()}`;
    let namespace: string | undefined;
    if (rest[0] === "namespaces" && rest.length >= 3 && rest[2] !== "status" && rest[2] !== "finalize") {
      namespace = decodeURIComponent(rest[1]!);
      rest.splice(0, 2);
    }
    const [plural, name, subresource] = rest;
    const type = types.find((candidate) => groupVersion(candidate) === gv && candidate.plural === plural);
    if (!type || (namespace !== undefined && !type.namespaced)) return undefined;
    return { type, namespace, name: name === undefined ? undefined : decodeURIComponent(name), subresource };
  }

  function requireNamespace(namespace: string | undefined): void {
    if (namespace === undefined) return;
    if (!store.read(namespaces, undefined, namespace)) throw new StatusError(404, "NotFound", `namespaces "${namespace}" not found`, { name: namespace, kind: "namespaces" });
  }

  function bodyObject(text: string, contentType: string, target: Route): JsonObject {
    if (contentType.includes("protobuf")) throw new StatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
    let body: unknown;
    try {
      // As the API server's YAML-or-JSON decoder: a body that starts like JSON is decoded as JSON (the fast path).
      body = contentType.includes("yaml") && !text.trimStart().startsWith("{") ? parseYaml(text) : JSON.parse(text);
    } catch (error) {
      throw new StatusError(400, "BadRequest", `error decoding body: ${(error as Error).message}`);
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) throw new StatusError(400, "BadRequest", "the body must be an object");
    const object = body as JsonObject;
    if (object.kind !== target.type.kind || object.apiVersion !== groupVersion(target.type)) {
      throw new StatusError(400, "BadRequest", `the API version in the data (${String(object.apiVersion)}) and kind (${String(object.kind)}) do not match the request (${groupVersion(target.type)} ${target.type.kind})`);
    }
    const metadata = (object.metadata ?? {}) as JsonObject;
    if (target.name !== undefined && metadata.name !== undefined && metadata.name !== target.name) {
      throw new StatusError(400, "BadRequest", `the name of the object (${String(metadata.name)}) does not match the name on the URL (${target.name})`);
    }
    if (target.namespace !== undefined && metadata.namespace !== undefined && metadata.namespace !== target.namespace) {
      throw new StatusError(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
    }
    return object;
  }

  function answer(method: string, url: URL, headers: IncomingMessage["headers"], text: string): { code: number; body: unknown } {
    const parts = url.pathname.split("/").filter(Boolean);
    if (url.pathname === "/version") return { code: 200, body: { major: "1", minor: "32", gitVersion: "v1.32.0-fake" } };
    if (url.pathname === "/api") return { code: 200, body: coreVersions() };
    if (url.pathname === "/apis") return { code: 200, body: groupList(types) };
    if (method === "GET" && ((parts[0] === "api" && parts.length === 2) || (parts[0] === "apis" && parts.length === 3))) {
      const list = resourceList(types, parts.slice(1).join("/"));
      if (list) return { code: 200, body: list };
      throw new StatusError(404, "NotFound", "the server could not find the requested resource");
    }
    const target = parts[0] === "api" || parts[0] === "apis" ? route(parts) : undefined;
    if (!target || target.subresource !== undefined) throw new StatusError(404, "NotFound", "the server could not find the requested resource");
    // As the API server: "All" is the one dry-run value; anything else is refused, never taken as a real write.
    const dryRunValue = url.searchParams.get("dryRun");
    if (dryRunValue !== null && dryRunValue !== "All") throw new StatusError(400, "BadRequest", `dryRun: Unsupported value: "${dryRunValue}": supported values: "All"`);
    const dryRun = dryRunValue === "All";
    const fault = faults.find((candidate) => (candidate.times ?? 1) > 0 && candidate.matches({ method, kind: target.type.kind, namespace: target.namespace, name: target.name, dryRun }));
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      throw new StatusError(fault.code, fault.reason, fault.message);
    }
    const write = (name: string) => ({
      type: target.type, namespace: target.namespace, name, dryRun,
      manager: url.searchParams.get("fieldManager") ?? (headers["user-agent"] ?? "unknown").split("/")[0]!,
      time: new Date(clock()).toISOString().replace(/\.\d{3}Z$/u, "Z"),
    });
    const { type, namespace, name } = target;
    if (name === undefined) {
      if (method === "GET") {
        const selects = parseLabelSelector(url.searchParams.get("labelSelector"));
        const fields = Object.fromEntries((url.searchParams.get("fieldSelector") ?? "").split(",").filter(Boolean).map((pair) => pair.split("=")));
        const items = store.list(type, namespace).filter((item) => {
          const metadata = item.metadata as { name: string; namespace?: string; labels?: Record<string, string> };
          return selects(metadata.labels ?? {}) && (fields["metadata.name"] === undefined || fields["metadata.name"] === metadata.name)
            && (fields["metadata.namespace"] === undefined || fields["metadata.namespace"] === metadata.namespace);
        });
        return { code: 200, body: { kind: `${type.kind}List`, apiVersion: groupVersion(type), metadata: { resourceVersion: store.currentRevision }, items } };
      }
      if (method === "POST") {
        const body = bodyObject(text, String(headers["content-type"] ?? ""), target);
        const objectName = String((body.metadata as JsonObject | undefined)?.name ?? "");
        if (!objectName) throw new StatusError(422, "Invalid", `${type.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
        requireNamespace(namespace);
        return { code: 201, body: store.create(write(objectName), body) };
      }
      throw new StatusError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
    }
    if (method === "GET") {
      const object = store.read(type, namespace, name);
      if (!object) throw notFound(type, name);
      return { code: 200, body: object };
    }
    if (method === "DELETE") return { code: 200, body: store.remove(type, namespace, name, dryRun) };
    requireNamespace(namespace);
    if (method === "PUT") return { code: 200, body: store.replace(write(name), bodyObject(text, String(headers["content-type"] ?? ""), target)) };
    if (method === "PATCH") {
      const contentType = String(headers["content-type"] ?? "");
      if (!contentType.startsWith("application/apply-patch+yaml")) {
        throw new StatusError(415, "UnsupportedMediaType", `the fake serves only server-side apply patches, not ${contentType}`);
      }
      if (!url.searchParams.get("fieldManager")) throw new StatusError(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
      const force = url.searchParams.get("force") === "true";
      const { object, created } = store.apply(write(name), bodyObject(text, contentType, target), force);
      return { code: created && !dryRun ? 201 : 200, body: object };
    }
    throw new StatusError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
  }

  async function handle(request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "https://127.0.0.1");
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size <= MAX_BODY) chunks.push(chunk as Buffer);
    }
    let code: number;
    let body: unknown;
    try {
      if (request.headers.authorization !== `Bearer ${token}`) throw new StatusError(401, "Unauthorized", "Unauthorized");
      if (size > MAX_BODY) throw new StatusError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
      ({ code, body } = answer(request.method ?? "GET", url, request.headers, Buffer.concat(chunks).toString("utf8")));
    } catch (error) {
      if (!(error instanceof StatusError)) throw error;
      code = error.code;
      body = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: error.message, reason: error.reason, details: error.details, code };
    }
    requests.push({ method: request.method ?? "GET", path: url.pathname, dryRun: url.searchParams.get("dryRun") === "All", status: code, accept: String(request.headers.accept ?? ""), httpVersion: request.httpVersion });
    response.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body));
  }

  const listener = (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    });
  };
  const tls = { key: certificates.keyPem, cert: certificates.certPem };
  const server = options.http1Only ? createServer(tls, listener) : createSecureServer({ ...tls, allowHTTP1: true }, listener);
  const sockets = new Set<Socket>();
  const sessions = new Set<ServerHttp2Session>();
  server.on("secureConnection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("session", (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, token, caPem: certificates.caPem, store, requests, faults,
    writeKubeconfig() {
      const folder = mkdtempSync(join(tmpdir(), "fake-kubeconfig-"));
      folders.push(folder);
      const path = join(folder, "config");
      writeFileSync(path, JSON.stringify({
        apiVersion: "v1", kind: "Config", "current-context": "fake",
        clusters: [{ name: "fake", cluster: { server: url, "certificate-authority-data": Buffer.from(certificates.caPem).toString("base64") } }],
        users: [{ name: "fake", user: { token } }],
        contexts: [{ name: "fake", context: { cluster: "fake", user: "fake", namespace: "default" } }],
      }));
      return path;
    },
    async close() {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    },
  };
}
