import { isIP } from "node:net";
import { SyncError } from "../sync-error.js";

/** One request as it goes on the wire: the path already carries its query; the body is already serialised. */
export interface TransportRequest {
  readonly method: string;
  readonly path: string;
  /** Lower-case names; no connection-specific headers (HTTP/2 forbids them). */
  readonly headers: Record<string, string>;
  readonly body?: string | undefined;
  /** A 2xx answer's body is drained unread; an error's Status is still read. */
  readonly discardAnswer: boolean;
}

export interface TransportAnswer {
  readonly status: number;
  readonly text: string;
}

/** Every request's budgets: how long it may take, and how large its answer may be. */
export interface TransportLimits {
  readonly timeoutMs: number;
  readonly maxAnswerBytes: number;
}

/** Where a server is, parsed once per server rather than once per request (thousands in a run). */
export interface KubeTarget {
  readonly protocol: "http:" | "https:";
  readonly hostname: string;
  readonly port: string;
  /** The server URL's path prefix (a proxy's), without the trailing slash. */
  readonly base: string;
  /**
   * TLS server name: the kubeconfig's tls-server-name, else the host (node works it out from the Host header on
   * every request otherwise); "" for an IP address, which has none.
   */
  readonly servername: string;
}

export function targetOf(server: string, servername: string | undefined): KubeTarget {
  const url = new URL(server);
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return {
    protocol: url.protocol === "http:" ? "http:" : "https:", hostname, port: url.port || (url.protocol === "http:" ? "80" : "443"),
    base: url.pathname.replace(/\/$/u, ""), servername: servername ?? (isIP(hostname) === 0 ? hostname : ""),
  };
}

export function overBudget(request: Pick<TransportRequest, "method" | "path">, limits: TransportLimits): SyncError {
  return new SyncError("over-budget", `the Kubernetes API's answer to ${request.method} ${request.path.split("?")[0]} is over ${limits.maxAnswerBytes / 1024 / 1024} MiB; that is the budget for one answer`);
}

export function timedOut(limits: TransportLimits): Error {
  return new Error(`the Kubernetes API did not answer within ${limits.timeoutMs / 1000} s`);
}
