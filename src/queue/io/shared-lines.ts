import { DelayedError, Queue, Worker } from "bullmq";
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Build } from "../../builds/build.js";
import type { InstallationClient } from "../../github/manifest-repositories.js";
import type { WaitingBuild } from "../coalesce.js";
import type { GatherWindow } from "../gather-window.js";

/** A build as it waits in Redis. */
export interface SharedEntry extends WaitingBuild {
  readonly receivedAt: number;
}

interface BuildData {
  readonly key: string;
  readonly build: Build;
  readonly arrival: number;
  readonly receivedAt: number;
}

interface JobData extends BuildData {
  /**
   * The builds of other jobs this job's turn took (and removed from the
   * line), written into the job before they are removed: if the replica dies
   * in the turn, the job comes back (BullMQ's stalled-job check) with them.
   */
  readonly merged?: readonly BuildData[];
  /** The turn also took the line's sweep. */
  readonly sweep?: boolean;
}

/** How often a turn may be cut off by its replica dying before its builds are given up (and logged as failed). */
export const MAX_STALLED_TURNS = 5;

export interface SharedLinesOptions {
  /** Redis connection for queues and workers (BullMQ wants `maxRetriesPerRequest: null`). */
  readonly connection: Redis;
  /** Key prefix of every queue in Redis. */
  readonly prefix: string;
  readonly log: Logger;
  /** This replica's client for a repository a build was queued for (perhaps by another replica). */
  readonly clientFor: (repository: string) => Promise<InstallationClient | undefined>;
  /** Runs one turn; returns the builds to keep and when to try them again (ms), if any. */
  readonly turn: (repository: string, client: InstallationClient, batch: SharedEntry[], sweep: boolean) => Promise<{ keep: SharedEntry[]; retryInMs: number }>;
  /** How long a turn gathers builds before it starts (the newest waiting job's age counts as the quiet time). */
  readonly gather: GatherWindow;
  /**
   * When a turn whose replica died comes back: its lock expires after
   * `lockMs` (renewed every half of it while the turn runs) and the other
   * replicas look for such turns every `checkMs`. BullMQ's 30 s by default.
   */
  readonly stalled?: { readonly lockMs: number; readonly checkMs: number };
}

/**
 * Repository lines shared by every replica through Redis (BullMQ). Each
 * manifest repository has a queue whose global concurrency is 1: whichever
 * replica takes a turn, no other replica writes to that repository meanwhile.
 * A turn takes the job it was given and every build waiting behind it, and
 * coalesces them together; what it must keep goes back as delayed jobs.
 * The builds a turn takes from other jobs are written into its own job
 * before those jobs are removed, so a turn cut off by its replica dying comes
 * back whole: BullMQ's stalled-job check puts the job back in the line once
 * its lock expires, and the next turn takes every build it carried.
 */
export class SharedLines {
  readonly #lines = new Map<string, { queue: Queue<JobData>; worker: Worker<JobData> }>();
  readonly #ready = new Map<string, Promise<Queue<JobData>>>();
  #closing = false;
  readonly #wakeOnClose = new Set<() => void>();

  constructor(private readonly options: SharedLinesOptions) {}

  /** A Redis-safe queue name for a repository. */
  static queueName(repository: string): string {
    return `bender-line-${repository.replace("/", "--")}`;
  }

  async #line(repository: string): Promise<Queue<JobData>> {
    let ready = this.#ready.get(repository);
    if (!ready) {
      ready = (async () => {
        const name = SharedLines.queueName(repository);
        const { connection, prefix } = this.options;
        const queue = new Queue<JobData>(name, { connection, prefix });
        await queue.setGlobalConcurrency(1);
        const stalled = this.options.stalled;
        const worker = new Worker<JobData>(name, (job, token) => this.#process(repository, queue, job, token), {
          connection,
          prefix,
          concurrency: 1,
          maxStalledCount: MAX_STALLED_TURNS,
          ...(stalled ? { lockDuration: stalled.lockMs, stalledInterval: stalled.checkMs } : {}),
        });
        worker.on("error", (error) => this.options.log.warn({ err: error, repository }, "shared queue worker error"));
        worker.on("stalled", (jobId) => this.options.log.warn({ repository, job: jobId }, "a turn was cut off (its replica stopped answering); its builds are back in the line"));
        worker.on("failed", (job, error) => {
          if (!job) return;
          const builds = [job.data, ...(job.data.merged ?? [])].filter((data) => data.build !== undefined);
          for (const data of builds) this.options.log.error({ err: error, repository, key: data.key }, "build not proposed: its turn was cut off too often; send it again");
        });
        this.#lines.set(repository, { queue, worker });
        return queue;
      })();
      this.#ready.set(repository, ready);
    }
    return ready;
  }

  /**
   * Starts this replica's workers for every line already in Redis (at start):
   * a line another replica left, or a turn cut off by a replica dying, is
   * taken up without waiting for a new build to the repository.
   */
  async resume(): Promise<string[]> {
    const { connection, prefix } = this.options;
    const repositories = new Set<string>();
    let cursor = "0";
    do {
      const [next, keys] = await connection.scan(cursor, "MATCH", `${prefix}:bender-line-*:meta`, "COUNT", 100);
      cursor = next;
      for (const key of keys) {
        const repository = SharedLines.repositoryOf(key.slice(prefix.length + 1, -":meta".length));
        if (repository) repositories.add(repository);
      }
    } while (cursor !== "0");
    if (this.#closing) return [];
    await Promise.all([...repositories].map((repository) => this.#line(repository)));
    return [...repositories];
  }

  /** The repository of a queue name (GitHub owners never hold "--", so the first one is the slash). */
  static repositoryOf(queueName: string): string | undefined {
    const name = queueName.slice("bender-line-".length);
    const split = name.indexOf("--");
    if (!queueName.startsWith("bender-line-") || split <= 0) return undefined;
    return `${name.slice(0, split)}/${name.slice(split + 2)}`;
  }

  async add(repository: string, entry: SharedEntry, delayMs = 0): Promise<void> {
    const queue = await this.#line(repository);
    const data: JobData = { key: entry.key, build: entry.build, arrival: entry.arrival, receivedAt: entry.receivedAt };
    await queue.add("build", data, { delay: delayMs, removeOnComplete: true, removeOnFail: 1000 });
  }

  /** Asks for a sweep in the repository's line; one waiting sweep at most. */
  async sweep(repository: string): Promise<void> {
    const queue = await this.#line(repository);
    await queue.add("sweep", { key: "sweep", build: undefined as unknown as Build, arrival: 0, receivedAt: Date.now() }, { jobId: "sweep", removeOnComplete: true, removeOnFail: true });
  }

  /** Waits while builds keep arriving in the line (the gather window), until it closes or this replica stops. */
  async #gather(queue: Queue<JobData>, job: Job<JobData>): Promise<void> {
    const { quietMs, maxMs } = this.options.gather;
    const deadline = Date.now() + maxMs;
    while (!this.#closing) {
      // Newest first (getWaiting lists the oldest first).
      const [newest] = await queue.getJobs(["waiting"], 0, 0, false);
      const lastArrival = Math.max(job.timestamp, newest?.timestamp ?? 0);
      const wait = Math.min(lastArrival + quietMs, deadline) - Date.now();
      if (wait <= 0) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.#wakeOnClose.delete(done);
          resolve();
        };
        const timer = setTimeout(done, wait);
        this.#wakeOnClose.add(done);
      });
    }
  }

  async #process(repository: string, queue: Queue<JobData>, job: Job<JobData>, token: string | undefined): Promise<void> {
    await this.#gather(queue, job);
    if (this.#closing) {
      // Stopped while gathering: the job goes back to the line as it was, for another replica (or this one's restart).
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    // Everything waiting behind this job joins its turn; global concurrency 1 means no other replica is taking it.
    // Written into this job first, then removed: a replica dying in between leaves a build twice (coalesced), never lost.
    const waiting = await queue.getWaiting(0, 999);
    const carried = job.data.merged ?? [];
    const taking = (removed: readonly Job<JobData>[]): JobData => ({
      key: job.data.key,
      build: job.data.build,
      arrival: job.data.arrival,
      receivedAt: job.data.receivedAt,
      merged: [...carried, ...removed.filter((entry) => entry.name === "build").map((entry) => buildData(entry.data))],
      sweep: job.data.sweep === true || removed.some((entry) => entry.name === "sweep"),
    });
    const removed: Job<JobData>[] = [];
    if (waiting.length > 0) {
      await job.updateData(taking(waiting));
      for (const entry of waiting) {
        try {
          await entry.remove();
          removed.push(entry);
        } catch {
          // Taken or removed meanwhile: not this turn's.
        }
      }
      if (removed.length < waiting.length) await job.updateData(taking(removed));
    }
    const data = taking(removed);
    const sweep = job.name === "sweep" || data.sweep === true;
    // A build both carried by a cut-off turn and still queued (the replica died between writing and removing) counts once.
    const byKey = new Map<string, BuildData>();
    for (const entry of [...(job.name === "build" ? [buildData(job.data)] : []), ...(data.merged ?? [])]) byKey.set(entry.key, entry);
    const entries = [...byKey.values()];
    const client = await this.options.clientFor(repository);
    if (!client) {
      this.options.log.warn({ repository, builds: entries.map((entry) => entry.key) }, "builds not proposed: Bender is not installed on the repository");
      return;
    }
    const { keep, retryInMs } = await this.options.turn(repository, client, entries, sweep);
    if (sweep && keep.length === 0 && this.#closing) return;
    for (const entry of keep) await this.add(repository, entry, this.#closing ? 0 : retryInMs);
  }

  /** Builds waiting or being written in every line this replica knows. */
  async counts(): Promise<{ waiting: number; oldestReceivedAt: number | undefined }> {
    let waiting = 0;
    let oldestReceivedAt: number | undefined;
    for (const { queue } of this.#lines.values()) {
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized");
      waiting += Object.values(counts).reduce((sum, count) => sum + count, 0);
      const [oldest] = await queue.getJobs(["waiting", "delayed", "active"], 0, 0, true);
      if (oldest?.data.receivedAt !== undefined) oldestReceivedAt = Math.min(oldestReceivedAt ?? oldest.data.receivedAt, oldest.data.receivedAt);
    }
    return { waiting, oldestReceivedAt };
  }

  /** Stops this replica's workers (the turn running ends first); what waits stays in Redis for the other replicas or a restart. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const wake of [...this.#wakeOnClose]) wake();
    await Promise.all([...this.#lines.values()].map(async ({ worker, queue }) => {
      await worker.close();
      await queue.close();
    }));
  }
}

function buildData(data: BuildData): BuildData {
  return { key: data.key, build: data.build, arrival: data.arrival, receivedAt: data.receivedAt };
}
