/**
 * Every error Bender throws on purpose carries a stable `code` a caller can
 * branch on (the message is for people and may change), and the error it
 * came from as `cause`. Anything else that reaches a handler is a bug or a
 * failure nobody translated yet (answered as a bare `internal error`).
 */
export interface CodedError extends Error {
  readonly code: string;
  readonly cause?: unknown;
}

/** The options every coded error takes: the original error, kept for logs. */
export interface CauseOptions {
  readonly cause?: unknown;
}

/** Whether `error` is one of Bender's coded errors (a string `code` on an Error). */
export function isCodedError(error: unknown): error is CodedError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === "string";
}
