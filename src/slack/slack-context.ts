import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { CauseOptions, CodedError } from "../errors/coded-error.js";
import type { BenderServices } from "../github/services.js";
import type { InstallationClient } from "../github/manifest-repositories.js";
import type { BenderConfig, EnvironmentConfig } from "../config/schema.js";
import type { Approvers } from "./approvers.js";
import type { ProposalView } from "./model.js";

/** Where one proposal's message lives. */
export interface MessageLocation {
  readonly channel: string;
  readonly ts: string;
}

/** What Slack handlers share: GitHub's side (services), Slack's client, and the approver check. */
export interface SlackContext {
  readonly services: BenderServices;
  readonly slack: WebClient;
  readonly approvers: Approvers;
  readonly log: Logger;
  readonly now: () => Date;
  /** Runs one piece of work per key at a time in this replica: concurrent clicks on one PR share it. */
  readonly singleFlight: SingleFlight;
  /**
   * What this replica last drew for each PR (`owner/name#number`): lets an
   * event that repeats what a click already drew be skipped, and an auto-merge
   * GitHub finishes later be credited to the person who pinned.
   */
  readonly drawn: Map<string, ProposalView["status"]>;
}

/** `joined`: this caller shared work another caller started, and should tell its person the outcome. */
export type SingleFlight = <T>(key: string, work: () => Promise<T>) => Promise<{ result: T; joined: boolean }>;

/** Creates a single-flight runner: callers with the same key while work is running get the same result. */
export function singleFlight(): SingleFlight {
  const running = new Map<string, Promise<unknown>>();
  return async <T>(key: string, work: () => Promise<T>): Promise<{ result: T; joined: boolean }> => {
    const current = running.get(key);
    if (current) return { result: (await current) as T, joined: true };
    const started = work().finally(() => running.delete(key));
    running.set(key, started);
    return { result: await started, joined: false };
  };
}

/** Why a Slack action cannot go on; each is told to the person who clicked, none is a bug. */
export type SlackActionErrorCode =
  | "not-installed"
  | "no-config"
  | "unknown-environment"
  | "not-a-proposal"
  | "never-pinned"
  | "repository-unreadable"
  | "branch-missing";

/** A refusal a person can act on, with a stable code and, when it came from a failure, its cause. */
export class SlackActionError extends Error implements CodedError {
  override readonly name = "SlackActionError";
  constructor(readonly code: SlackActionErrorCode, message: string, options?: CauseOptions) {
    super(message, options);
  }
}

/** The installation client and config of a manifest repository, or an error a person can act on. */
export async function repositoryAccess(
  context: SlackContext,
  repository: string,
  environment: string,
): Promise<{ client: InstallationClient; config: BenderConfig; environment: EnvironmentConfig }> {
  const client = await context.services.installations.forRepository(repository);
  if (!client) throw new SlackActionError("not-installed", `Bender is not installed on ${repository}`);
  const lookup = await context.services.configs.load(client, repository, context.log);
  if (lookup.kind !== "config") throw new SlackActionError("no-config", `${repository} has no valid .github/bender.yml`);
  const environmentConfig = lookup.config.environments[environment];
  if (!environmentConfig) throw new SlackActionError("unknown-environment", `${repository} has no environment ${environment} any more`);
  return { client, config: lookup.config, environment: environmentConfig };
}
