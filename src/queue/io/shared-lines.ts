import { Queue, Worker } from "bullmq";
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Build } from "../../builds/build.js";
import type { InstallationClient } from "../../github/manifest-repositories.js";
import type { WaitingBuild } from "../coalesce.js";

/** A build as it waits in Redis. */
export interface SharedEntry extends WaitingBuild {
  readonly receivedAt: number;
}

interface JobData {
  readonly key: string;
  readonly build: Build;
  readonly arrival: number;
  readonly receivedAt: number;
}

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
}

/**
 * Repository lines shared by every replica through Redis (BullMQ). Each
 * manifest repository has a queue whose global concurrency is 1: whichever
 * replica takes a turn, no other replica writes to that repository meanwhile.
 * A turn takes the job it was given and every build waiting behind it, and
 * coalesces them together; what it must keep goes back as delayed jobs.
 */
export class SharedLines {
  readonly #lines = new Map<string, { queue: Queue<JobData>; worker: Worker<JobData> }>();
  readonly #ready = new Map<string, Promise<Queue<JobData>>>();
  #closing = false;

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
        const worker = new Worker<JobData>(name, (job) => this.#process(repository, queue, job), { connection, prefix, concurrency: 1 });
        worker.on("error", (error) => this.options.log.warn({ err: error, repository }, "shared queue worker error"));
        this.#lines.set(repository, { queue, worker });
        return queue;
      })();
      this.#ready.set(repository, ready);
    }
    return ready;
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

  async #process(repository: string, queue: Queue<JobData>, job: Job<JobData>): Promise<void> {
    // Everything waiting behind this job joins its turn; global concurrency 1 means no other replica is taking it.
    const batch: Job<JobData>[] = [job];
    for (const waiting of await queue.getWaiting(0, 999)) {
      try {
        await waiting.remove();
        batch.push(waiting);
      } catch {
        // Taken or removed meanwhile: not this turn's.
      }
    }
    const sweep = batch.some((entry) => entry.name === "sweep");
    const entries = batch.filter((entry) => entry.name === "build").map((entry) => ({ ...entry.data }));
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
    await Promise.all([...this.#lines.values()].map(async ({ worker, queue }) => {
      await worker.close();
      await queue.close();
    }));
  }
}
