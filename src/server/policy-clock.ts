import type { Logger } from "pino";
import type { PolicySweepResult, SweepMemory } from "../github/policy-sweep.js";
import type { InstallationClient } from "../github/manifest-repositories.js";

/** How often the release policy is swept by default: a minute (BENDER_POLICY_SWEEP_INTERVAL_MS). */
export const DEFAULT_POLICY_SWEEP_INTERVAL_MS = 60_000;

export interface PolicyClockOptions {
  /** Milliseconds between sweeps; 0 turns the timer off (a sweep may still be run with `sweep()`). */
  readonly intervalMs: number;
  readonly log: Logger;
  /** The manifest repositories to sweep, with their clients (the same targets as the sweep after a start). */
  readonly targets: (log: Logger) => Promise<readonly { readonly repository: string; readonly client: InstallationClient | undefined }[]>;
  /** One repository's sweep (src/github/policy-sweep.ts), given what its messages showed after the previous one. */
  readonly sweepRepository: (repository: string, client: InstallationClient, previous: SweepMemory | undefined, log: Logger) => Promise<PolicySweepResult | undefined>;
  /**
   * With Redis (REDIS_URL): claims a repository's sweep for `forMs`, true when this replica got it, so one replica
   * sweeps each repository per interval. An optimisation only: every write is a compare-and-swap, and a claim
   * that fails (Redis down) sweeps anyway.
   */
  readonly claim?: ((repository: string, forMs: number) => Promise<boolean>) | undefined;
}

/** A repository whose sweep for this interval another sweep claimed (Redis): this replica, or another. */
export const CLAIMED_THIS_INTERVAL = { claimed: "another sweep has this interval" } as const;

/** One sweep's results by repository (undefined: no valid config, or it changed; an error: logged and left to the next sweep). */
export type PolicySweepReport = ReadonlyMap<string, PolicySweepResult | undefined | { readonly error: unknown } | typeof CLAIMED_THIS_INTERVAL>;

/**
 * Runs the release policy's periodic sweep (issue 13): every `intervalMs`,
 * each manifest repository in turn. One sweep at a time: a tick that finds
 * the previous sweep still running is skipped. The timer never keeps the
 * process alive, and `stop()` waits for a sweep in progress (the shutdown
 * abandons its GitHub requests if it is slow; every write is a
 * compare-and-swap, so a sweep cut off anywhere leaves nothing half-done).
 *
 * What each manual proposal's message says about Pin is remembered here,
 * per replica, from the previous sweep (`SweepMemory`) and from the messages
 * this replica drew (`drawn`): the first sweep after a start records what it
 * does not know without redrawing, and a replica redraws what changed since. Two replicas may both redraw the
 * same change (the same message drawn twice), never a wrong one.
 */
export class PolicyClock {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<PolicySweepReport> | undefined;
  #stopped = false;
  readonly #memory = new Map<string, SweepMemory>();

  constructor(private readonly options: PolicyClockOptions) {}

  /** Starts the timer (once; not after `stop`). */
  start(): void {
    if (this.#timer || this.#stopped || this.options.intervalMs <= 0) return;
    this.#timer = setInterval(() => {
      if (!this.#running) void this.sweep();
    }, this.options.intervalMs);
    this.#timer.unref();
  }

  /** Sweeps every manifest repository now, or joins the sweep already running. */
  sweep(): Promise<PolicySweepReport> {
    if (this.#stopped) return Promise.resolve(new Map());
    this.#running ??= this.#sweepAll().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /**
   * Records what a message this replica just drew says about Pin (a new or
   * superseded proposal: no approvals counted yet), so the next sweep redraws
   * it when that changes, even on the first sweep after a start.
   */
  drawn(repository: string, number: number, pinOpen: boolean): void {
    const memory = this.#memory.get(repository);
    const shown = new Map(memory?.shown);
    shown.set(number, { pinOpen, approvals: 0 });
    this.#memory.set(repository, { shown, pinsAsked: memory?.pinsAsked ?? new Set() });
  }

  /** Stops the timer and waits for a sweep in progress; no sweep starts after. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** Whether this replica sweeps the repository now: no claim to make, the claim got, or the claim could not be asked. */
  async #claim(repository: string): Promise<boolean> {
    if (!this.options.claim) return true;
    const forMs = Math.max(500, Math.floor((this.options.intervalMs || DEFAULT_POLICY_SWEEP_INTERVAL_MS) * 0.9));
    try {
      return await this.options.claim(repository, forMs);
    } catch (error) {
      this.options.log.debug({ err: error, repository }, "policy sweep claim not asked (Redis); sweeping anyway");
      return true;
    }
  }

  async #sweepAll(): Promise<PolicySweepReport> {
    const { log } = this.options;
    const report = new Map<string, PolicySweepResult | undefined | { error: unknown } | typeof CLAIMED_THIS_INTERVAL>();
    let targets;
    try {
      targets = await this.options.targets(log);
    } catch (error) {
      log.warn({ err: error }, "manifest repositories could not be listed for the policy sweep");
      return report;
    }
    const started = Date.now();
    for (const { repository, client } of targets) {
      if (this.#stopped) break;
      if (!client) continue;
      if (!(await this.#claim(repository))) {
        report.set(repository, CLAIMED_THIS_INTERVAL);
        continue;
      }
      try {
        const result = await this.options.sweepRepository(repository, client, this.#memory.get(repository), log.child({ repository }));
        report.set(repository, result);
        if (result) this.#memory.set(repository, result.memory);
        else this.#memory.delete(repository);
        if (result && (result.thawed.length > 0 || result.automaticPins || result.approvedPins.length > 0 || result.redrawn.length > 0)) {
          log.info({ repository, thawed: result.thawed, automaticPins: result.automaticPins, approvedPins: result.approvedPins, redrawn: result.redrawn }, "policy sweep acted");
        }
      } catch (error) {
        report.set(repository, { error });
        log.warn({ err: error, repository }, "policy sweep failed for this repository; the next sweep tries again");
      }
    }
    // Repositories no longer swept are forgotten, so the memory stays as large as what is swept.
    const swept = new Set(targets.map((target) => target.repository));
    for (const repository of this.#memory.keys()) if (!swept.has(repository)) this.#memory.delete(repository);
    log.debug({ repositories: report.size, ms: Date.now() - started }, "policy sweep");
    return report;
  }
}
