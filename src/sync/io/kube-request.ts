import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { SyncError } from "../sync-error.js";
import type { KubeConnection } from "./kube-connection.js";

/** Longest one Kubernetes request may take (an apply of a large object included). */
const KUBE_REQUEST_TIMEOUT_MS = 60_000;
/** The largest answer read from the API server (a list of every object Bender owns stays far below it). */
const KUBE_ANSWER_MAX_BYTES = 32 * 1024 * 1024;

/** The API server answered with a status outside 2xx; `body` is its Status object as text. */
export class KubeApiError extends Error {
  override readonly name = "KubeApiError";
  constructor(readonly status: number, readonly body: string) {
    super(`the Kubernetes API answered ${status}`);
  }
}

export interface KubeRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** From the server's root: `/api/v1/namespaces/x/configmaps/y`. */
  readonly path: string;
  readonly query?: Record<string, string | undefined>;
  /** Sent as JSON, exactly as given: no model serializer drops fields it does not know. */
  readonly body?: unknown;
  /** The body already serialised as JSON (an object sent twice, dry-run then apply, is serialised once). */
  readonly json?: string;
  readonly contentType?: string;
  /**
   * The caller needs only to know the request succeeded: a 2xx answer's body is drained unread and unparsed
   * (an apply's answer is the whole object with its managed fields). An error's Status is still read.
   */
  readonly discardAnswer?: boolean;
}

/** Where a server is, parsed once per server rather than once per request (thousands in a run). */
interface Target {
  readonly send: typeof httpsRequest;
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
  readonly base: string;
  /** TLS server name as node:https would work it out from the Host header on every request: the host, none for an IP. */
  readonly servername: string;
}
const targets = new Map<string, Target>();

function targetOf(server: string): Target {
  let target = targets.get(server);
  if (!target) {
    const url = new URL(server);
    const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    target = {
      send: url.protocol === "http:" ? httpRequest : httpsRequest, protocol: url.protocol, hostname, port: url.port,
      base: url.pathname.replace(/\/$/u, ""), servername: isIP(hostname) === 0 ? hostname : "",
    };
    targets.set(server, target);
  }
  return target;
}

function queryOf(query: Record<string, string | undefined> | undefined): string {
  let text = "";
  for (const key in query) {
    const value = query[key];
    if (value !== undefined) text += `${text === "" ? "?" : "&"}${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
  }
  return text;
}

/** One request to the API server; the parsed JSON answer (undefined with `discardAnswer`), or a KubeApiError with the Status body. */
export async function kubeRequest<T = unknown>(kube: KubeConnection, options: KubeRequest): Promise<T> {
  const target = targetOf(kube.server);
  const { headers, agent } = await kube.credentials();
  const body = options.json ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const discard = options.discardAnswer === true;
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const outgoing = target.send({
      protocol: target.protocol, hostname: target.hostname, port: target.port, path: `${target.base}${options.path}${queryOf(options.query)}`,
      method: options.method, agent, servername: target.servername,
      headers: {
        ...headers, accept: "application/json",
        ...(body === undefined ? {} : { "content-type": options.contentType ?? "application/json", "content-length": String(Buffer.byteLength(body)) }),
      },
    }, (response) => {
      const status = response.statusCode ?? 0;
      if (discard && status >= 200 && status <= 299) {
        response.on("end", () => resolve({ status, text: "" }));
        response.on("error", reject);
        response.resume();
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > KUBE_ANSWER_MAX_BYTES) {
          response.destroy(new SyncError("over-budget", `the Kubernetes API's answer to ${options.method} ${options.path} is over ${KUBE_ANSWER_MAX_BYTES / 1024 / 1024} MiB; that is the budget for one answer`));
          return;
        }
        chunks.push(chunk);
      });
      response.on("end", () => resolve({ status, text: Buffer.concat(chunks).toString("utf8") }));
      response.on("error", reject);
    });
    outgoing.on("error", reject);
    // A hung API server must not hold the run (and its Lease) for ever.
    outgoing.setTimeout(KUBE_REQUEST_TIMEOUT_MS, () => outgoing.destroy(new Error(`the Kubernetes API did not answer within ${KUBE_REQUEST_TIMEOUT_MS / 1000} s`)));
    outgoing.end(body);
  });
  if (status < 200 || status > 299) throw new KubeApiError(status, text);
  return (text === "" ? undefined : JSON.parse(text)) as T;
}
