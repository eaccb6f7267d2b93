/**
 * What a request or wait rejects with when Bender's shutdown abandons it
 * (stoppable-fetch.ts): an `AbortError`, so fetch and Octokit pass it on as an
 * abort without retrying, of its own class, so it is recognised by type
 * (`isShutdownAbort`) rather than by its words.
 */
export class ShutdownAbort extends DOMException {
  constructor(what: string) {
    super(`${what} stopped by shutdown`, "AbortError");
  }
}

/** Whether `error` is work a shutdown abandoned (fetch and Octokit reject with the abort reason itself). */
export function isShutdownAbort(error: unknown): error is ShutdownAbort {
  return error instanceof ShutdownAbort;
}
