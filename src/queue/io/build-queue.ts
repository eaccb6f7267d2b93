import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Build } from "../../builds/build.js";
import { describeBuild } from "../../builds/render-build.js";
import type { ConfigLookup } from "../../github/config-store.js";
import type { InstallationClient } from "../../github/manifest-repositories.js";
import type { LoadedConfig, QueuedTarget, TargetResult } from "../../github/propose-batch.js";
import type { ProposalOutcome } from "../../github/propose-build.js";
import { buildKey } from "../coalesce.js";
import type { WaitingBuild } from "../coalesce.js";
import { runTurn } from "./repository-turn.js";
import type { TurnOptions } from "./repository-turn.js";
import { DEFAULT_GATHER } from "../gather-window.js";
import type { GatherWindow } from "../gather-window.js";
import { SharedLines } from "./shared-lines.js";
import { isTransient } from "./transient.js";

/** A manifest repository a build goes to, with the client to reach it (undefined: Bender is not installed there). */
export interface RepositoryTarget {
  readonly repository: string;
  readonly client: InstallationClient | undefined;
}

export interface BuildQueueOptions {
  readonly log: Logger;
  readonly loadConfig: (repository: string, client: InstallationClient, log: Logger) => Promise<ConfigLookup>;
  /** Proposes one repository's turn (all its coalesced targets together), with the config the turn loaded. */
  readonly propose: (repository: string, client: InstallationClient, targets: readonly QueuedTarget[], config: LoadedConfig, log: Logger) => Promise<TargetResult[]>;
  /** Logs and counts what became of a build in a repository. */
  readonly report: (build: Build, outcomes: readonly ProposalOutcome[], log: Logger) => void;
  /** Finishes what an interrupted write left in a repository; runs in the repository's line. Undefined: no sweeps. */
  readonly sweep?: ((repository: string, client: InstallationClient, log: Logger) => Promise<unknown>) | undefined;
  /** First pause before work that failed on GitHub's side is tried again; doubles up to 16 times this. */
  readonly retryDelayMs?: number;
  readonly now?: () => number;
  /** How long a repository's turn waits for more builds of a burst (see GatherWindow); DEFAULT_GATHER unless set. */
  readonly gather?: GatherWindow;
  /** Told how many builds a turn coalesced away (for /metrics). */
  readonly onCoalesced?: (count: number) => void;
  /**
   * Share the repository lines with every replica through Redis (REDIS_URL):
   * the connection, and how this replica gets a client for a repository
   * another replica queued a build for.
   */
  readonly shared?: {
    readonly connection: Redis;
    readonly prefix?: string;
    readonly clientFor: (repository: string) => Promise<InstallationClient | undefined>;
    /** When a turn cut off by a dead replica comes back (BullMQ's 30 s lock and check by default; tests shorten it). */
    readonly stalled?: { readonly lockMs: number; readonly checkMs: number };
  };
}

/** A waiting build and when it was received (for the oldest waiting age). */
interface Entry extends WaitingBuild {
  readonly receivedAt: number;
}

/** Builds waiting for one manifest repository, written one turn at a time. */
interface RepositoryLine {
  readonly repository: string;
  client: InstallationClient;
  waiting: Entry[];
  /** The builds of the turn running now. */
  current: Entry[];
  sweep: boolean;
  /** When the last build for this line arrived (monotonic ms), for the gather window. */
  lastArrival: number;
  /** Set while the line gathers builds before its turn. */
  gather: NodeJS.Timeout | undefined;
  turn: Promise<void> | undefined;
  retry: NodeJS.Timeout | undefined;
  failures: number;
}

/** How long the outcomes of a build are kept for `outcomesOf` (most recent keys). */
const REMEMBERED_BUILDS = 1000;

/**
 * The queue between intake and GitHub work, in one process.
 *
 * 1. `accept` answers at once with the build's key; finding its manifest
 *    repositories (which may ask GitHub) happens after.
 * 2. Each manifest repository has one line: its builds wait there and are
 *    written one turn at a time, so builds of one image never race each other
 *    in this process; different repositories take their turns in parallel.
 * 3. A turn takes everything waiting, keeps the newest build per
 *    (environment, image) and proposes those together; the rest are counted
 *    as coalesced and cost nothing. Before its turn a line gathers (see
 *    GatherWindow): while builds keep arriving it waits a little, so a burst's
 *    first versions are not written only to be superseded a turn later.
 * 4. Work that fails on GitHub's side (or is cut off by a shutdown) stays in
 *    the line and is tried again after a pause; only a build Bender could not
 *    handle (no config, no access) is reported and dropped.
 */
export class BuildQueue {
  readonly #lines = new Map<string, RepositoryLine>();
  readonly #outcomes = new Map<string, ProposalOutcome[]>();
  readonly #resolving = new Set<Entry>();
  /** Builds whose repositories could not be listed yet, with the timer of their next try. */
  readonly #findRetries = new Map<Entry, NodeJS.Timeout>();
  readonly #idleWaiters: (() => void)[] = [];
  readonly #now: () => number;
  #arrivals = 0;
  #stopping = false;

  /** Set when the lines live in Redis, shared by every replica. */
  readonly #shared: SharedLines | undefined;
  /** Builds on their way to Redis. */
  #adding = 0;

  constructor(private readonly options: BuildQueueOptions) {
    this.#now = options.now ?? (() => Date.now());
    const shared = options.shared;
    this.#shared = shared
      ? new SharedLines({
          connection: shared.connection,
          prefix: shared.prefix ?? "bender",
          log: options.log,
          clientFor: shared.clientFor,
          gather: options.gather ?? DEFAULT_GATHER,
          ...(shared.stalled ? { stalled: shared.stalled } : {}),
          turn: async (repository, client, batch, sweep) => {
            const log = options.log.child({ repository });
            const { keep, failed } = await runTurn(this.#turnOptions, { repository, client, batch, sweep, log });
            if (failed !== undefined) log.warn({ err: failed, builds: keep.map((entry) => entry.key) }, "builds kept: GitHub failed on its side; trying again later");
            return { keep, retryInMs: this.#delay(0) };
          },
        })
      : undefined;
    // Lines left in Redis (by a replica that stopped, or died in a turn) are taken up at once.
    this.#shared?.resume().catch((error: unknown) => options.log.warn({ err: error }, "lines in Redis could not be listed; each is taken up with its next build"));
  }

  /** Takes a validated build; `find` names its manifest repositories. Returns the build's key at once. */
  accept(build: Build, find: () => Promise<readonly RepositoryTarget[]>, log: Logger = this.options.log): string {
    const entry: Entry = { key: buildKey(build), build, arrival: ++this.#arrivals, receivedAt: this.#now() };
    this.#resolving.add(entry);
    void this.#find(entry, find, log, 0);
    return entry.key;
  }

  async #find(entry: Entry, find: () => Promise<readonly RepositoryTarget[]>, log: Logger, failures: number): Promise<void> {
    try {
      const targets = await find();
      // A stop meanwhile has already named this build as not proposed.
      if (!this.#resolving.delete(entry)) return;
      for (const { repository, client } of targets) {
        if (!client) {
          this.#record(entry, [{ repository, environment: "", action: "failed", detail: `Bender is not installed on ${repository}` }], log);
          continue;
        }
        this.#enqueue(repository, client, entry, log);
      }
      if (targets.length === 0) log.info({ build: entry.key }, "build has no manifest repository to go to");
    } catch (error) {
      if (!this.#resolving.has(entry)) return;
      if (isTransient(error) && !this.#stopping) {
        const delay = this.#delay(failures);
        log.warn({ err: error, build: entry.key, retryInMs: delay }, "build kept: its manifest repositories could not be listed yet");
        this.#findRetries.set(
          entry,
          setTimeout(() => {
            this.#findRetries.delete(entry);
            void this.#find(entry, find, log, failures + 1);
          }, delay),
        );
        return;
      }
      this.#resolving.delete(entry);
      if (this.#stopping) this.#lost(entry, undefined, log);
      else log.error({ err: error, build: entry.key }, "build not proposed: its manifest repositories could not be listed");
    } finally {
      this.#checkIdle();
    }
  }

  /** A build Bender stops before writing is lost with a line naming it: CI can send it again. */
  #lost(entry: Entry, repository: string | undefined, log: Logger): void {
    log.warn({ build: describeBuild(entry.build), key: entry.key, ...(repository ? { repository } : {}) }, "build not proposed: Bender stopped before it was written; send it again");
  }

  #delay(failures: number): number {
    const base = this.options.retryDelayMs ?? 30_000;
    return base * 2 ** Math.min(failures, 4);
  }

  #line(repository: string, client: InstallationClient): RepositoryLine {
    let line = this.#lines.get(repository);
    if (!line) {
      line = { repository, client, waiting: [], current: [], sweep: false, lastArrival: 0, gather: undefined, turn: undefined, retry: undefined, failures: 0 };
      this.#lines.set(repository, line);
    }
    line.client = client;
    return line;
  }

  #enqueue(repository: string, client: InstallationClient, entry: Entry, log: Logger): void {
    if (this.#stopping) return this.#lost(entry, repository, log);
    if (this.#shared) {
      this.#adding++;
      this.#shared
        .add(repository, entry)
        .catch((error: unknown) => log.error({ err: error, build: describeBuild(entry.build), key: entry.key }, "build not proposed: it could not be queued in Redis; send it again"))
        .finally(() => this.#adding--);
      return;
    }
    const line = this.#line(repository, client);
    line.waiting.push(entry);
    line.lastArrival = performance.now();
    this.#start(line);
  }

  /** Asks for a sweep of a repository in its line (after a restart): it runs before the line's next writes. */
  requestSweep(repository: string, client: InstallationClient): void {
    if (!this.options.sweep) return;
    if (this.#shared) {
      this.#shared.sweep(repository).catch((error: unknown) => this.options.log.warn({ err: error, repository }, "sweep could not be queued in Redis"));
      return;
    }
    const line = this.#line(repository, client);
    line.sweep = true;
    this.#start(line);
  }

  /**
   * Starts the line's next turn once it has gathered: when builds wait, after
   * `quietMs` without a new one, or `maxMs` after now, whichever comes first;
   * a sweep alone, or a window of 0, starts on the next round of the event
   * loop (builds that arrive together still go out together).
   */
  #start(line: RepositoryLine): void {
    if (line.turn || line.retry || line.gather || this.#stopping) return;
    const { quietMs, maxMs } = this.options.gather ?? DEFAULT_GATHER;
    const readyAt = performance.now();
    const gathered = (): void => {
      line.gather = undefined;
      if (this.#stopping) return this.#checkIdle();
      const due = Math.min(line.lastArrival + quietMs, readyAt + maxMs);
      const wait = due - performance.now();
      if (line.waiting.length > 0 && wait > 0) {
        line.gather = setTimeout(gathered, wait);
        return;
      }
      this.#run(line);
    };
    gathered();
  }

  #run(line: RepositoryLine): void {
    line.turn = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#turn(line)).finally(() => {
      line.turn = undefined;
      line.current = [];
      if ((line.waiting.length > 0 || line.sweep) && !line.retry) this.#start(line);
      if (!line.turn && line.waiting.length === 0 && !line.sweep && !line.retry) this.#lines.delete(line.repository);
      this.#checkIdle();
    });
  }

  /** One turn of a repository's line: sweep if asked, then everything that waits, coalesced. */
  async #turn(line: RepositoryLine): Promise<void> {
    const { repository, client } = line;
    const log = this.options.log.child({ repository });
    const batch = line.waiting.splice(0);
    line.current = batch;
    const sweep = line.sweep;
    line.sweep = false;
    const { keep, failed, swept } = await runTurn(this.#turnOptions, { repository, client, batch, sweep, log });
    if (sweep && !swept) line.sweep = true;
    if (failed === undefined) {
      line.failures = 0;
      return;
    }
    // Kept in front of what arrived meanwhile: the next turn coalesces them together.
    line.waiting.unshift(...keep);
    if (this.#stopping) return;
    const delay = this.#delay(line.failures++);
    log.warn({ err: failed, builds: keep.map((waiting) => waiting.key), retryInMs: delay }, "builds kept: GitHub failed on its side; trying again later");
    line.retry = setTimeout(() => {
      line.retry = undefined;
      this.#start(line);
    }, delay);
  }

  get #turnOptions(): TurnOptions<Entry> {
    return {
      loadConfig: this.options.loadConfig,
      propose: this.options.propose,
      sweep: this.options.sweep,
      record: (waiting, outcomes, log) => this.#record(waiting, outcomes, log),
      onCoalesced: this.options.onCoalesced,
    };
  }

  #record(waiting: Entry, outcomes: readonly ProposalOutcome[], log: Logger): void {
    const list = this.#outcomes.get(waiting.key) ?? [];
    this.#outcomes.delete(waiting.key);
    this.#outcomes.set(waiting.key, [...list, ...outcomes]);
    if (this.#outcomes.size > REMEMBERED_BUILDS) this.#outcomes.delete(this.#outcomes.keys().next().value as string);
    this.options.report(waiting.build, outcomes, log);
  }

  /** What became of the build with this key so far, in every repository (the most recent builds only). */
  outcomesOf(key: string): readonly ProposalOutcome[] | undefined {
    return this.#outcomes.get(key);
  }

  /** Builds not done yet: being resolved, waiting in a line, or in the turn running now. */
  get length(): number {
    let count = this.#resolving.size;
    for (const line of this.#lines.values()) count += line.waiting.length + line.current.length;
    return count;
  }

  /** Age (ms) of the oldest build still waiting, 0 when none waits. */
  oldestWaitingMs(): number {
    const now = this.#now();
    let oldest = now;
    for (const entry of this.#resolving) oldest = Math.min(oldest, entry.receivedAt);
    for (const line of this.#lines.values()) {
      for (const entry of [...line.waiting, ...line.current]) oldest = Math.min(oldest, entry.receivedAt);
    }
    return now - oldest;
  }

  #busy(): boolean {
    if (this.#resolving.size > 0) return true;
    for (const line of this.#lines.values()) {
      if (line.turn || line.retry || line.gather || (!this.#stopping && (line.waiting.length > 0 || line.sweep))) return true;
    }
    return false;
  }

  #checkIdle(): void {
    if (this.#busy()) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  /** Resolves when nothing waits, runs, or waits for a retry (in Redis too, for the lines this replica knows). */
  async idle(): Promise<void> {
    if (this.#busy()) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    const shared = this.#shared;
    if (!shared) return;
    while (this.#adding > 0 || this.#resolving.size > 0 || (await shared.counts()).waiting > 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** What /metrics shows: builds not done yet and the age of the oldest (in Redis too, when shared). */
  async snapshot(): Promise<{ waiting: number; oldestAgeMs: number }> {
    if (!this.#shared) return { waiting: this.length, oldestAgeMs: this.oldestWaitingMs() };
    const counts = await this.#shared.counts();
    const now = this.#now();
    const local = this.oldestWaitingMs();
    const shared = counts.oldestReceivedAt === undefined ? 0 : now - counts.oldestReceivedAt;
    return { waiting: this.length + counts.waiting, oldestAgeMs: Math.max(local, shared) };
  }

  /**
   * Stops taking turns (SIGTERM): no new turn starts, retries are cancelled,
   * and the turns running finish their current request (the pacer ends their
   * waits). Every build left is logged by name, so CI can send it again.
   */
  async stop(): Promise<string[]> {
    this.#stopping = true;
    // Shared lines stay in Redis for the other replicas (or this one's restart); only this replica's workers stop.
    const closing = this.#shared?.close();
    for (const line of this.#lines.values()) {
      if (line.retry) clearTimeout(line.retry);
      line.retry = undefined;
      // A line still gathering takes no turn: its builds are named below with the rest.
      if (line.gather) clearTimeout(line.gather);
      line.gather = undefined;
    }
    await Promise.all([...this.#lines.values()].map((line) => line.turn));
    const left: string[] = [];
    for (const line of this.#lines.values()) {
      for (const entry of line.waiting) {
        left.push(entry.key);
        this.#lost(entry, line.repository, this.options.log);
      }
    }
    for (const timer of this.#findRetries.values()) clearTimeout(timer);
    this.#findRetries.clear();
    for (const entry of this.#resolving) {
      left.push(entry.key);
      this.#lost(entry, undefined, this.options.log);
    }
    this.#resolving.clear();
    await closing;
    this.#checkIdle();
    return left;
  }
}
