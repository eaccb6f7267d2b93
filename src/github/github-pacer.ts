import { limitWaitMs, nextWriteAt, trimHistory } from "../queue/write-budget.js";
import type { WriteWindow } from "../queue/write-budget.js";

/** A wait for GitHub cut short because Bender is shutting down: the work is kept, not failed. */
export class GithubWaitInterrupted extends Error {
  override readonly name = "GithubWaitInterrupted";
  constructor(readonly installation: string) {
    super(`stopped while waiting for GitHub's rate limit (${installation}); the work is kept`);
  }
}

export interface PacerOptions {
  /** Content-creating requests per installation and window. */
  readonly windows: readonly WriteWindow[];
  /** Least time between two content-creating requests of one installation. */
  readonly spacingMs: number;
  /** One second of a Retry-After, in ms of waiting (1000 in production). */
  readonly secondMs: number;
  readonly now?: () => number;
  /** Told of every wait a limited answer imposed (ms), for /metrics. */
  readonly onLimitWait?: (installation: string, waitMs: number) => void;
}

interface InstallationState {
  /** Nothing is sent for this installation before this time: GitHub asked for it. */
  blockedUntil: number;
  /** Start times of recent content-creating requests. */
  readonly writes: number[];
  /** Content-creating requests start one after another. */
  writeTurn: Promise<void>;
}

/**
 * Paces Bender's requests per installation, shared by every Octokit made for
 * it: content-creating requests stay under GitHub's per-minute and per-hour
 * limits, and after a limited answer nothing at all goes out for that
 * installation until the wait GitHub asked for is over.
 */
export class GithubPacer {
  readonly #installations = new Map<string, InstallationState>();
  readonly #stopping = new AbortController();
  readonly #now: () => number;

  constructor(private readonly options: PacerOptions) {
    this.#now = options.now ?? (() => Date.now());
  }

  #state(installation: string): InstallationState {
    let state = this.#installations.get(installation);
    if (!state) {
      state = { blockedUntil: 0, writes: [], writeTurn: Promise.resolve() };
      this.#installations.set(installation, state);
    }
    return state;
  }

  /** Ends every wait at once (shutdown): they reject with GithubWaitInterrupted. */
  stop(): void {
    this.#stopping.abort();
  }

  /** Whether a request may go out now (not stopping); else it throws GithubWaitInterrupted. */
  #check(installation: string): void {
    if (this.#stopping.signal.aborted) throw new GithubWaitInterrupted(installation);
  }

  async #sleepUntil(installation: string, at: number): Promise<void> {
    const ms = at - this.#now();
    if (ms <= 0) return;
    const signal = this.#stopping.signal;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", abort);
        resolve();
      }, ms);
      const abort = () => {
        clearTimeout(timer);
        reject(new GithubWaitInterrupted(installation));
      };
      if (signal.aborted) abort();
      else signal.addEventListener("abort", abort, { once: true });
    });
  }

  /** Waits until GitHub's last Retry-After for the installation is over (it may grow while waiting). */
  async #waitUnblocked(installation: string, state: InstallationState): Promise<void> {
    this.#check(installation);
    while (state.blockedUntil > this.#now()) await this.#sleepUntil(installation, state.blockedUntil);
    this.#check(installation);
  }

  /** Runs one request when the installation's limits allow it. */
  async run<T>(installation: string, contentCreating: boolean, send: () => Promise<T>): Promise<T> {
    const state = this.#state(installation);
    if (!contentCreating) {
      await this.#waitUnblocked(installation, state);
      return send();
    }
    // One write at a time per installation: take a turn, wait for the budget, start, pass the turn on.
    const previous = state.writeTurn;
    let release: () => void = () => undefined;
    state.writeTurn = new Promise<void>((resolve) => (release = resolve));
    try {
      await previous;
      for (;;) {
        await this.#waitUnblocked(installation, state);
        trimHistory(state.writes, this.#now(), this.options.windows);
        const at = nextWriteAt(state.writes, this.#now(), this.options.windows, this.options.spacingMs);
        if (at <= this.#now()) break;
        await this.#sleepUntil(installation, at);
      }
      state.writes.push(this.#now());
    } finally {
      release();
    }
    return send();
  }

  /** A limited answer came back: block the whole installation for the wait its headers ask for. Returns the wait (ms). */
  limited(installation: string, headers: Readonly<Record<string, string | undefined>>): number {
    const waitMs = limitWaitMs(headers, this.#now(), this.options.secondMs);
    const state = this.#state(installation);
    state.blockedUntil = Math.max(state.blockedUntil, this.#now() + waitMs);
    this.options.onLimitWait?.(installation, waitMs);
    return waitMs;
  }
}
