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

function queryOf(query: Record<string, string | undefined> | undefined): string {
  let text = "";
  for (const key in query) {
    const value = query[key];
    if (value !== undefined) text += `${text === "" ? "?" : "&"}${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
  }
  return text;
}

/**
 * One request to the API server (kube-transport.ts), within the request's budgets (time, answer size); the parsed JSON answer (undefined with `discardAnswer`), or a
 * KubeApiError with the Status body.
 */
export async function kubeRequest<T = unknown>(kube: KubeConnection, options: KubeRequest): Promise<T> {
  const { headers, transport } = await kube.credentials();
  const body = options.json ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const { status, text } = await transport.send({
    method: options.method, path: `${options.path}${queryOf(options.query)}`, body, discardAnswer: options.discardAnswer === true,
    headers: {
      ...headers, accept: "application/json",
      ...(body === undefined ? {} : { "content-type": options.contentType ?? "application/json", "content-length": String(Buffer.byteLength(body)) }),
    },
  }, { timeoutMs: KUBE_REQUEST_TIMEOUT_MS, maxAnswerBytes: KUBE_ANSWER_MAX_BYTES });
  if (status < 200 || status > 299) throw new KubeApiError(status, text);
  return (text === "" ? undefined : JSON.parse(text)) as T;
}
