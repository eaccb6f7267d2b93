import type { CauseOptions, CodedError } from "../errors/coded-error.js";
import { limitWaitMs, nextWriteAt, trimHistory } from "../queue/write-budget.js";
import type { WriteWindow } from "../queue/write-budget.js";

/** A wait for GitHub cut short because Bender is shutting down: the work is kept, not failed. */
export class GithubWaitInterrupted extends Error implements CodedError {
  override readonly name = "GithubWaitInterrupted";
  readonly code = "wait-interrupted";
  constructor(readonly installation: string, options?: CauseOptions) {
    super(`stopped while waiting for GitHub's rate limit (${installation}); the work is kept`, options);
  }
}

/**
 * Where the pacing state of each installation lives: in this process, or in
 * Redis so that every replica paces against one budget (`RedisPacerStore`).
 */
export interface PacerStore {
  /** Nothing may be sent for the installation before this time (ms): a rate-limited answer asked for it. */
  blockedUntil(installation: string): Promise<number>;
  /** Blocks the installation until `until`, unless it is blocked longer already. */
  block(installation: string, until: number): Promise<void>;
  /**
   * Reserves the earliest start (ms, at or after `now`) for a content-creating
   * request that keeps every window and the spacing, and returns it.
   */
  reserveWrite(installation: string, now: number, windows: readonly WriteWindow[], spacingMs: number): Promise<number>;
}

/** The pacing state of one process. */
export class MemoryPacerStore implements PacerStore {
  readonly #blocked = new Map<string, number>();
  readonly #writes = new Map<string, number[]>();

  async blockedUntil(installation: string): Promise<number> {
    return this.#blocked.get(installation) ?? 0;
  }

  async block(installation: string, until: number): Promise<void> {
    this.#blocked.set(installation, Math.max(until, this.#blocked.get(installation) ?? 0));
  }

  async reserveWrite(installation: string, now: number, windows: readonly WriteWindow[], spacingMs: number): Promise<number> {
    const history = this.#writes.get(installation) ?? [];
    this.#writes.set(installation, history);
    trimHistory(history, now, windows);
    const at = nextWriteAt(history, now, windows, spacingMs);
    history.push(at);
    return at;
  }
}

export interface PacerOptions {
  /** Content-creating requests per installation and window. */
  readonly windows: readonly WriteWindow[];
  /** Least time between two content-creating requests of one installation. */
  readonly spacingMs: number;
  /** One second of a Retry-After, in ms of waiting (1000 in production). */
  readonly secondMs: number;
  readonly store?: PacerStore;
  readonly now?: () => number;
  /** Told of every wait a limited answer imposed (ms), for /metrics. */
  readonly onLimitWait?: (installation: string, waitMs: number) => void;
}

/**
 * Paces Bender's requests per installation, shared by every Octokit made for
 * it (and, with a Redis store, by every replica): content-creating requests
 * stay under GitHub's per-minute and per-hour limits, and after a limited
 * answer nothing at all goes out for that installation until the wait GitHub
 * asked for is over.
 */
export class GithubPacer {
  readonly #stopping = new AbortController();
  readonly #now: () => number;
  readonly #store: PacerStore;

  constructor(private readonly options: PacerOptions) {
    this.#now = options.now ?? (() => Date.now());
    this.#store = options.store ?? new MemoryPacerStore();
  }

  /** Ends every wait at once (shutdown): they reject with GithubWaitInterrupted. */
  stop(): void {
    this.#stopping.abort();
  }

  async #sleepUntil(installation: string, at: number): Promise<void> {
    const ms = at - this.#now();
    const signal = this.#stopping.signal;
    if (signal.aborted) throw new GithubWaitInterrupted(installation);
    if (ms <= 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", abort);
        resolve();
      }, ms);
      const abort = () => {
        clearTimeout(timer);
        reject(new GithubWaitInterrupted(installation));
      };
      signal.addEventListener("abort", abort, { once: true });
    });
  }

  /** Waits until GitHub's last Retry-After for the installation is over (another request may extend it meanwhile). */
  async #waitUnblocked(installation: string): Promise<void> {
    for (;;) {
      const until = await this.#store.blockedUntil(installation);
      if (until <= this.#now()) break;
      await this.#sleepUntil(installation, until);
    }
    await this.#sleepUntil(installation, 0);
  }

  /** Runs one request when the installation's limits allow it. */
  async run<T>(installation: string, contentCreating: boolean, send: () => Promise<T>): Promise<T> {
    await this.#waitUnblocked(installation);
    if (contentCreating) {
      const at = await this.#store.reserveWrite(installation, this.#now(), this.options.windows, this.options.spacingMs);
      await this.#sleepUntil(installation, at);
      // A limited answer may have come in while this write waited for its slot.
      await this.#waitUnblocked(installation);
    }
    return send();
  }

  /** A limited answer came back: block the whole installation for the wait its headers ask for. Returns the wait (ms). */
  async limited(installation: string, headers: Readonly<Record<string, string | undefined>>): Promise<number> {
    const waitMs = limitWaitMs(headers, this.#now(), this.options.secondMs);
    await this.#store.block(installation, this.#now() + waitMs);
    this.options.onLimitWait?.(installation, waitMs);
    return waitMs;
  }
}
