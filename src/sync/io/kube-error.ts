import { ApiException } from "@kubernetes/client-node";

export type KubeErrorCode =
  | "not-configured" | "unreachable" | "unauthorized" | "forbidden" | "not-found" | "already-exists" | "conflict"
  | "invalid" | "unknown-kind" | "timeout" | "failed";

/** A Kubernetes failure with a stable code and the API's own reason and message (what a person can act on). */
export class KubeError extends Error {
  override readonly name = "KubeError";
  constructor(readonly code: KubeErrorCode, message: string, readonly apiReason?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const BY_STATUS: Record<number, KubeErrorCode> = { 401: "unauthorized", 403: "forbidden", 404: "not-found", 422: "invalid", 400: "invalid", 415: "invalid" };

function parseStatus(body: unknown): { reason?: string; message?: string } {
  if (typeof body !== "string") return typeof body === "object" && body !== null ? body as { reason?: string; message?: string } : {};
  try {
    return JSON.parse(body) as { reason?: string; message?: string };
  } catch {
    return { message: body.slice(0, 300) };
  }
}

/** Translates client-node's errors (ApiException with a Status body, network errors) into a KubeError. */
export function toKubeError(error: unknown, doing: string): KubeError {
  if (error instanceof KubeError) return error;
  if (error instanceof ApiException) {
    const status = parseStatus(error.body);
    const code: KubeErrorCode = error.code === 409
      ? (status.reason === "AlreadyExists" ? "already-exists" : "conflict")
      : BY_STATUS[error.code] ?? "failed";
    const message = status.message ?? `HTTP ${error.code}`;
    return new KubeError(code, `${doing}: ${message}`, status.reason ?? `HTTP ${error.code}`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/Unrecognized API version and kind/u.test(message)) {
    return new KubeError("unknown-kind", `${doing}: the cluster serves no such kind (${message.replace(/^.*kind: /u, "")})`, "NotFound", { cause: error });
  }
  const networkCode = (error as { code?: string } | undefined)?.code;
  if (networkCode && /^(?:ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EAI_AGAIN|CERT_|DEPTH_ZERO|UNABLE_TO|SELF_SIGNED)/u.test(networkCode)) {
    return new KubeError("unreachable", `${doing}: the Kubernetes API is unreachable (${networkCode})`, undefined, { cause: error });
  }
  return new KubeError("failed", `${doing}: ${message}`, undefined, { cause: error });
}
