/**
 * GitHub's secondary limits on content-creating requests (about 80 a minute
 * and 500 an hour per installation), as sliding windows Bender stays under.
 * Pure: the caller passes the clock.
 */
export interface WriteWindow {
  /** At most this many writes… */
  readonly limit: number;
  /** …in any window of this length. */
  readonly windowMs: number;
}

/**
 * The earliest time (ms, same clock as `history`) another write may start so
 * that no window holds more than its limit and writes stay `spacingMs` apart.
 * `history` holds the start times of earlier writes, oldest first.
 */
export function nextWriteAt(history: readonly number[], now: number, windows: readonly WriteWindow[], spacingMs: number): number {
  let at = now;
  const last = history.at(-1);
  if (last !== undefined) at = Math.max(at, last + spacingMs);
  for (const { limit, windowMs } of windows) {
    if (limit < 1 || history.length < limit) continue;
    // The write `limit` places back must have left the window before another may start.
    const oldestInWindow = history[history.length - limit] ?? Number.NEGATIVE_INFINITY;
    at = Math.max(at, oldestInWindow + windowMs);
  }
  return at;
}

/** Forgets writes older than the longest window, so the history stays bounded. */
export function trimHistory(history: number[], now: number, windows: readonly WriteWindow[]): void {
  const longest = Math.max(0, ...windows.map((window) => window.windowMs));
  let drop = 0;
  while (drop < history.length && (history[drop] ?? 0) <= now - longest) drop++;
  if (drop > 0) history.splice(0, drop);
}

/**
 * How long (ms) a rate-limited answer asks Bender to wait, from its headers,
 * as GitHub documents: `retry-after` seconds; else, when no requests remain,
 * until `x-ratelimit-reset` (epoch seconds); else at least a minute.
 * `unitMs` is one second of waiting (1000 in production; tests scale it).
 */
export function limitWaitMs(headers: Readonly<Record<string, string | undefined>>, nowMs: number, unitMs: number): number {
  const retryAfter = Number(headers["retry-after"]);
  if (headers["retry-after"] !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter * unitMs;
  const reset = Number(headers["x-ratelimit-reset"]);
  if (headers["x-ratelimit-remaining"] === "0" && Number.isFinite(reset)) return Math.max(0, reset - nowMs / 1000) * unitMs;
  return 60 * unitMs;
}
