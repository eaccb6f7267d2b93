/** Why a sync run stopped before touching the cluster: the repository's content, not a bug. */
export type SyncErrorCode =
  | "over-budget"
  | "unsafe-entry"
  | "invalid-archive"
  | "path-not-found"
  | "invalid-yaml"
  | "invalid-object"
  | "duplicate-object"
  | "template"
  | "helm-chart"
  | "kubectl-missing"
  | "kustomize-failed";

/** A refusal with a stable code and a message naming the file or entry, what was wrong and what is allowed. */
export class SyncError extends Error {
  override readonly name = "SyncError";
  constructor(readonly code: SyncErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
