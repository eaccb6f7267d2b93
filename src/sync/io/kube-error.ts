import { KubeApiError } from "./kube-request.js";

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

/** Discovery found no resource serving this kind: the kind, or its group version, is not served (yet). */
export class UnknownKindError extends Error {
  override readonly name = "UnknownKindError";
  constructor(readonly apiVersion: string, readonly kind: string) {
    super(`the cluster serves no such kind (${apiVersion} ${kind})`);
  }
}

/** Translates request failures (KubeApiError with a Status body, unknown kinds, network errors) into a KubeError. */
export function toKubeError(error: unknown, doing: string): KubeError {
  if (error instanceof KubeError) return error;
  if (error instanceof KubeApiError) {
    const status = parseStatus(error.body);
    const code: KubeErrorCode = error.status === 409
      ? (status.reason === "AlreadyExists" ? "already-exists" : "conflict")
      : BY_STATUS[error.status] ?? "failed";
    const message = status.message ?? `HTTP ${error.status}`;
    return new KubeError(code, `${doing}: ${message}`, status.reason ?? `HTTP ${error.status}`, { cause: error });
  }
  if (error instanceof UnknownKindError) return new KubeError("unknown-kind", `${doing}: ${error.message}`, "NotFound", { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  const networkCode = (error as { code?: string } | undefined)?.code;
  if (networkCode && /^(?:ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EAI_AGAIN|CERT_|DEPTH_ZERO|UNABLE_TO|SELF_SIGNED)/u.test(networkCode)) {
    return new KubeError("unreachable", `${doing}: the Kubernetes API is unreachable (${networkCode})`, undefined, { cause: error });
  }
  return new KubeError("failed", `${doing}: ${message}`, undefined, { cause: error });
}
