/** At most `calls` starts in any `perMs` window. */
export interface PaceLimit {
  readonly calls: number;
  readonly perMs: number;
}

export interface PacingLimits {
  /** chat.update, per workspace: Slack's tier 3, about 50 a minute. */
  readonly update: PaceLimit;
  /** chat.postMessage, per channel: about one a second, short bursts allowed. */
  readonly postPerChannel: PaceLimit;
  /** How many 429s one call waits out before it fails. */
  readonly rateLimitedRetries: number;
  /** A Retry-After longer than this fails the call instead of holding it. */
  readonly maxRetryAfterSeconds: number;
}

export const SLACK_PACING: PacingLimits = {
  update: { calls: 50, perMs: 60_000 },
  postPerChannel: { calls: 5, perMs: 5_000 },
  rateLimitedRetries: 3,
  maxRetryAfterSeconds: 120,
};

/** Slack's WebClient error for a 429 when `rejectRateLimitedCalls` is on. */
function retryAfterOf(error: unknown): number | undefined {
  const candidate = error as { code?: string; retryAfter?: unknown };
  return candidate.code === "slack_webapi_rate_limited_error" && typeof candidate.retryAfter === "number" ? candidate.retryAfter : undefined;
}

/**
 * Keeps Bender's Slack calls inside Slack's rate limits: chat.update is
 * spread over a sliding window per workspace, chat.postMessage per channel,
 * and a 429 holds that method (or channel) for its Retry-After, then the call
 * is sent again. Every wait is a reservation made when the call is asked for,
 * so calls keep their order and one slow call does not hold the others.
 */
export class SlackPacer {
  /** Reserved start times per key, ascending; only the last `calls` matter. */
  readonly #starts = new Map<string, number[]>();
  readonly #blockedUntil = new Map<string, number>();

  constructor(
    private readonly limits: PacingLimits,
    private readonly signal: AbortSignal,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Runs `call` for a Web API `method` when the limits allow it, waiting out 429s. */
  async run<T>(method: string, options: Record<string, unknown> | undefined, call: () => Promise<T>): Promise<T> {
    const { key, limit } = this.keyOf(method, options);
    for (let attempt = 0; ; attempt += 1) {
      await this.wait(this.reserve(key, limit));
      try {
        return await call();
      } catch (error) {
        const retryAfter = retryAfterOf(error);
        if (retryAfter === undefined || attempt >= this.limits.rateLimitedRetries || retryAfter > this.limits.maxRetryAfterSeconds) throw error;
        this.#blockedUntil.set(key, Math.max(this.#blockedUntil.get(key) ?? 0, this.now() + retryAfter * 1000));
      }
    }
  }

  private keyOf(method: string, options: Record<string, unknown> | undefined): { key: string; limit: PaceLimit | undefined } {
    if (method === "chat.update") return { key: method, limit: this.limits.update };
    if (method === "chat.postMessage") return { key: `${method}:${String(options?.channel ?? "")}`, limit: this.limits.postPerChannel };
    return { key: method, limit: undefined };
  }

  /** Milliseconds until this call may start, and books that start. */
  private reserve(key: string, limit: PaceLimit | undefined): number {
    const now = this.now();
    let at = Math.max(now, this.#blockedUntil.get(key) ?? 0);
    if (limit) {
      const starts = this.#starts.get(key) ?? [];
      const bound = starts.length >= limit.calls ? starts[starts.length - limit.calls] : undefined;
      if (bound !== undefined) at = Math.max(at, bound + limit.perMs);
      starts.push(at);
      this.#starts.set(key, starts.slice(-limit.calls));
    }
    return at - now;
  }

  /** Waits, without holding the process open, and gives up at once when the Slack client stops. */
  private wait(ms: number): Promise<void> {
    if (this.signal.aborted) return Promise.reject(new Error("Slack client stopped"));
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Error("Slack client stopped"));
      };
      const timer = setTimeout(() => {
        this.signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      timer.unref();
      this.signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
