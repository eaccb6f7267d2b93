import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Logger } from "pino";

/** How long SIGTERM waits for work in flight by default; Kubernetes gives 30 s before SIGKILL. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** How long GitHub requests in flight may still finish after SIGTERM before they are abandoned (so a slow GitHub never holds a stop). */
export const GITHUB_STOP_GRACE_MS = 1_000;
const POLL_MS = 25;

/** Something with work of its own to finish or drop on shutdown (a queue, a Socket Mode connection). */
export interface Stopper {
  readonly name: string;
  /** Finish or hand back what is in hand; `signal` aborts at the deadline, after which the work is cut off. */
  stop(signal: AbortSignal): Promise<void>;
}

interface InFlight {
  readonly method: string;
  readonly path: string;
  readonly delivery: string | undefined;
  readonly started: number;
}

export interface ShutdownOutcome {
  /** Requests still unanswered at the deadline. */
  readonly cutRequests: number;
  /** Stoppers that had not finished at the deadline. */
  readonly cutStoppers: readonly string[];
}

/**
 * The server's shutdown: stop accepting, let requests in flight finish, then
 * run every registered stopper, all within one deadline. Whatever is still
 * running at the deadline is logged (with its delivery id) and cut off.
 */
export class ShutdownSequence {
  private readonly requests = new Map<IncomingMessage, InFlight>();
  private readonly stoppers: Stopper[] = [];

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds work to stop after the requests; stoppers run together, in parallel. */
  register(stopper: Stopper): void {
    this.stoppers.push(stopper);
  }

  /** Counts a request as in flight until its response closes. */
  track(request: IncomingMessage, response: ServerResponse): void {
    const delivery = request.headers["x-github-delivery"] ?? request.headers["x-slack-request-timestamp"];
    this.requests.set(request, {
      method: request.method ?? "?",
      path: (request.url ?? "").split("?")[0]?.slice(0, 200) ?? "",
      delivery: Array.isArray(delivery) ? delivery[0] : delivery,
      started: this.now(),
    });
    response.once("close", () => this.requests.delete(request));
  }

  get inFlight(): number {
    return this.requests.size;
  }

  /**
   * 1. Stop accepting connections; close idle keep-alive ones.
   * 2. Wait for the requests in flight, up to the deadline.
   * 3. Run the stoppers with what is left of it.
   * 4. Log what was cut off, and close every connection left.
   */
  async run(server: Server, timeoutMs: number): Promise<ShutdownOutcome> {
    const deadline = this.now() + timeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      server.close();
      server.closeIdleConnections();
      while (this.requests.size > 0 && this.now() < deadline) {
        await sleep(POLL_MS);
        server.closeIdleConnections();
      }

      const pending = new Set(this.stoppers.map((stopper) => stopper.name));
      const stopping = this.stoppers.map(async (stopper) => {
        try {
          await stopper.stop(controller.signal);
        } catch (error) {
          this.log.error({ err: error, stopper: stopper.name }, "stopping failed");
        } finally {
          pending.delete(stopper.name);
        }
      });
      // What is pending when the deadline passes was cut off, even if it ends a moment later on the abort.
      let cut: string[] | undefined;
      const deadlinePassed = new Promise<void>((resolve) => {
        const passed = (): void => {
          cut = [...pending];
          resolve();
        };
        if (controller.signal.aborted) passed();
        else controller.signal.addEventListener("abort", passed, { once: true });
      });
      await Promise.race([Promise.all(stopping), deadlinePassed]);
      const cutStoppers = cut ?? [];

      for (const request of this.requests.values()) {
        this.log.warn({ ...request, runningMs: this.now() - request.started }, "request cut off by shutdown");
      }
      for (const name of cutStoppers) this.log.warn({ stopper: name }, "work cut off by shutdown");
      const outcome = { cutRequests: this.requests.size, cutStoppers };
      server.closeAllConnections();
      return outcome;
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}
