import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { EngineAnswer, EngineJob } from "../engine-job.js";
import type { EngineResult, ManifestEngine } from "./manifest-engine.js";

export interface EnginePoolOptions {
  /** Worker threads running files at once (at least 1). */
  readonly size: number;
  /** Each worker's V8 old-generation heap, in MB: a file that needs more ends its worker and is skipped. */
  readonly memoryMb: number;
  /** Longest one file may take in a running worker; past it the worker is ended and the file skipped. */
  readonly timeoutMs: number;
  /** The worker's script; by default the built `engine-worker.js` beside this module. */
  readonly workerUrl?: URL | undefined;
}

export const DEFAULT_ENGINE_POOL: Omit<EnginePoolOptions, "workerUrl"> = { size: 1, memoryMb: 256, timeoutMs: 10_000 };

interface Pending {
  readonly job: EngineJob;
  readonly resolve: (result: EngineResult) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  worker?: Worker | undefined;
  pending?: Pending | undefined;
  timer?: NodeJS.Timeout | undefined;
}

/** The compiled worker: from sources (vitest runs src/*.ts) it is the one in dist/, as a worker thread does not load TypeScript. */
function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith(".ts") ? new URL("../../../dist/manifests/io/engine-worker.js", here) : new URL("./engine-worker.js", here);
}

/**
 * Worker threads that run the manifest engine one file at a time, so a file
 * at the parse budget (150 ms to 1 s of parsing) never holds the server's
 * event loop. Each worker has a heap limit and each file a time limit: a
 * worker that runs out of memory, or a file that runs out of time, makes
 * that file a skip with a reason, and the worker is replaced. Workers start
 * on first use and do not keep the process alive while idle.
 */
export class EnginePool implements ManifestEngine {
  private readonly slots: Slot[];
  private readonly queue: Pending[] = [];
  private readonly workerUrl: URL;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: EnginePoolOptions) {
    this.slots = Array.from({ length: Math.max(1, options.size) }, () => ({}));
    this.workerUrl = options.workerUrl ?? defaultWorkerUrl();
  }

  run(jobs: readonly EngineJob[]): Promise<EngineResult[]> {
    return Promise.all(jobs.map((job) => this.submit(job)));
  }

  /**
   * Lets the files in hand finish (other work stopping at the same time may
   * still hand it files) until `signal` aborts, then ends every worker; jobs
   * still waiting or running then are rejected.
   */
  async stop(signal?: AbortSignal): Promise<void> {
    if (signal && !signal.aborted && !this.idle()) {
      await new Promise<void>((resolve) => {
        this.idleWaiters.push(resolve);
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    }
    this.stopped = true;
    const stopping = new Error("the manifest engine stopped (Bender is shutting down)");
    for (const pending of this.queue.splice(0)) pending.reject(stopping);
    const ending: Promise<number>[] = [];
    for (const slot of this.slots) {
      const { worker, pending } = slot;
      this.release(slot);
      slot.worker = undefined;
      pending?.reject(stopping);
      if (worker) ending.push(worker.terminate());
    }
    await Promise.all(ending);
  }

  private submit(job: EngineJob): Promise<EngineResult> {
    if (this.stopped) return Promise.reject(new Error("the manifest engine stopped (Bender is shutting down)"));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  private idle(): boolean {
    return this.queue.length === 0 && this.slots.every((slot) => slot.pending === undefined);
  }

  private dispatch(): void {
    if (this.idle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
    for (const slot of this.slots) {
      if (slot.pending || this.stopped) continue;
      const pending = this.queue.shift();
      if (!pending) return;
      const fresh = slot.worker === undefined;
      const worker = slot.worker ?? this.spawn(slot);
      worker.ref();
      slot.pending = pending;
      const startClock = (): void => {
        if (slot.worker === worker && slot.pending === pending) slot.timer = setTimeout(() => this.timedOut(slot, worker), this.options.timeoutMs);
      };
      // The time limit is the file's: a new worker's start (slow on a busy machine) does not count.
      if (fresh) worker.once("online", startClock);
      else startClock();
      worker.postMessage(pending.job);
    }
  }

  private spawn(slot: Slot): Worker {
    const path = fileURLToPath(this.workerUrl);
    if (!existsSync(path)) throw new Error(`the manifest engine worker ${path} is missing; build Bender first (npm run build)`);
    const worker = new Worker(this.workerUrl, {
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb, maxYoungGenerationSizeMb: Math.min(16, Math.max(1, Math.floor(this.options.memoryMb / 4))) },
    });
    let failure: Error | undefined;
    worker.on("message", (message: { answer?: EngineAnswer; error?: string }) => {
      if (slot.worker !== worker) return;
      const pending = this.release(slot);
      if (message.answer) pending?.resolve({ ok: true, answer: message.answer });
      else pending?.reject(new Error(`the manifest engine failed: ${message.error ?? "no answer"}`));
      this.dispatch();
    });
    worker.on("error", (error) => {
      failure = error;
    });
    worker.on("exit", (code) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      const pending = this.release(slot);
      const outOfMemory = (failure as NodeJS.ErrnoException | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY";
      pending?.resolve({
        ok: false,
        reason: outOfMemory
          ? `too complex to parse safely: reading it needed more than the ${this.options.memoryMb} MB of memory Bender gives one file; split it into smaller files`
          : `the manifest engine stopped while reading it (${failure?.message ?? `exit code ${code}`}); the file was left unchanged`,
      });
      this.dispatch();
    });
    worker.unref();
    slot.worker = worker;
    return worker;
  }

  private timedOut(slot: Slot, worker: Worker): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    const pending = this.release(slot);
    pending?.resolve({
      ok: false,
      reason: `too complex to parse safely: reading it took longer than the ${this.options.timeoutMs} ms Bender gives one file; split it into smaller files`,
    });
    void worker.terminate();
    this.dispatch();
  }

  /** Frees a slot: its job (returned), its timer, and its hold on the process. */
  private release(slot: Slot): Pending | undefined {
    const { pending } = slot;
    clearTimeout(slot.timer);
    slot.pending = undefined;
    slot.timer = undefined;
    slot.worker?.unref();
    return pending;
  }
}
