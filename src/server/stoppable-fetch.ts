import { ShutdownAbort } from "../errors/shutdown-abort.js";

/** A `fetch` whose requests in flight, and any made after, end at once when `stop()` is called. */
export interface StoppableFetch {
  readonly fetch: typeof fetch;
  stop(): void;
  readonly stopped: boolean;
}

/**
 * Every GitHub request Bender's server makes goes through one of these, so a
 * shutdown can abandon them: a GitHub that never answers would otherwise hold
 * webhook handlers and queue turns (and SIGTERM) until the deadline. An
 * abandoned request rejects with a `ShutdownAbort` (an `AbortError`), which
 * Octokit passes on without retrying.
 */
export function stoppableFetch(what: string): StoppableFetch {
  const controller = new AbortController();
  const stopped = (): ShutdownAbort => new ShutdownAbort(what);
  return {
    fetch: (input, init) => {
      if (controller.signal.aborted) return Promise.reject(stopped());
      const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
      return fetch(input, { ...init, signal });
    },
    stop: () => controller.abort(stopped()),
    get stopped() {
      return controller.signal.aborted;
    },
  };
}
