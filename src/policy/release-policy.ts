import { blackoutDays, minutesOfDay, parseDuration } from "../config/index.js";
import type { BenderConfig, EnvironmentConfig } from "../config/index.js";
import type { Blackout, Schedule, ScheduleWindow } from "./schedule.js";

/** Who may do something: anyone in the channel, or these Slack user and user-group IDs (membership is checked by the caller). */
export type People = "anyone" | readonly string[];

/** One environment's release policy with every default applied: what the decisions in src/policy take. */
export interface ReleasePolicy {
  readonly environment: string;
  readonly autoPin: boolean;
  /** Undefined: pins may land at any time. */
  readonly schedule: Schedule | undefined;
  /** Distinct approvals needed; the merge happens on the last. */
  readonly approvals: number;
  /** Undefined: approvals count until the build is superseded. */
  readonly approvalsExpireAfterMs: number | undefined;
  readonly allowSelfApproval: boolean;
  /** Undefined when the environment has no Slack settings (nobody can pin from Slack). */
  readonly approvers: People | undefined;
  /** Who may freeze and thaw: `freezers`, else the approvers. */
  readonly freezers: People | undefined;
}

/** The release policy of a valid config's environment, or undefined when the config has no such environment. */
export function releasePolicyFor(config: Pick<BenderConfig, "environments">, environment: string): ReleasePolicy | undefined {
  const settings = Object.hasOwn(config.environments, environment) ? config.environments[environment] : undefined;
  if (settings === undefined) return undefined;
  return {
    environment,
    autoPin: settings.autoPin,
    schedule: scheduleOf(settings),
    approvals: settings.approvals ?? 1,
    approvalsExpireAfterMs: settings.approvalsExpireAfter === undefined ? undefined : parseDuration(settings.approvalsExpireAfter),
    allowSelfApproval: settings.allowSelfApproval ?? false,
    approvers: settings.slack?.approvers,
    freezers: settings.freezers ?? settings.slack?.approvers,
  };
}

/** Windows and blackouts as the schedule computes with them; undefined when the environment has neither. */
export function scheduleOf(settings: Pick<EnvironmentConfig, "timezone" | "windows" | "blackouts">): Schedule | undefined {
  if (settings.windows === undefined && settings.blackouts === undefined) return undefined;
  const windows: ScheduleWindow[] = [];
  for (const window of settings.windows ?? []) {
    const zone = window.timezone ?? settings.timezone;
    const from = minutesOfDay(window.from, "opening");
    const to = minutesOfDay(window.to, "closing");
    // A parsed config always has these; the guard keeps a hand-made config from opening everything.
    if (zone === undefined || from === undefined || to === undefined) throw new Error(`window ${window.from}–${window.to} has no zone or time: parse the config with parseConfig`);
    windows.push({ days: window.days, from, to, zone });
  }
  const blackouts: Blackout[] = [];
  for (const written of settings.blackouts ?? []) {
    const days = blackoutDays(written);
    if (days !== undefined) blackouts.push({ written, ...days });
  }
  const zones = new Set(windows.map((window) => window.zone));
  const blackoutZone = settings.timezone ?? (zones.size === 1 ? [...zones][0] : undefined);
  return { windows, blackouts, blackoutZone };
}
