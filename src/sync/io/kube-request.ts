import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { KubeConnection } from "./kube-connection.js";

/** Longest one Kubernetes request may take (an apply of a large object included). */
const KUBE_REQUEST_TIMEOUT_MS = 60_000;

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
  readonly contentType?: string;
}

/** One request to the API server; the parsed JSON answer, or a KubeApiError with the Status body. */
export async function kubeRequest<T = unknown>(kube: KubeConnection, options: KubeRequest): Promise<T> {
  const url = new URL(`${kube.server}${options.path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
  const { headers, agent } = await kube.credentials();
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const send = url.protocol === "http:" ? httpRequest : httpsRequest;
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const outgoing = send(url, {
      method: options.method, agent,
      headers: {
        ...headers, accept: "application/json",
        ...(body === undefined ? {} : { "content-type": options.contentType ?? "application/json", "content-length": String(Buffer.byteLength(body)) }),
      },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
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
