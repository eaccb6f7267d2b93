import type { BenderConfig } from "../config/index.js";

/** Who names a Slack channel, user or group: "acme/manifests environment production". */
export type Uses = Map<string, string[]>;

export interface SlackTargets {
  /** Channels by name ("#deploys") or ID (C…/G…). */
  readonly channels: Uses;
  /** User IDs (U…/W…). */
  readonly users: Uses;
  /** User-group IDs (S…). */
  readonly groups: Uses;
}

function add(uses: Uses, key: string, where: string): void {
  uses.set(key, [...(uses.get(key) ?? []), where]);
}

/** Every Slack channel, approver user and approver group the configs name, with where each is named. */
export function slackTargets(configs: readonly { repository: string; config: BenderConfig }[]): SlackTargets {
  const targets: SlackTargets = { channels: new Map(), users: new Map(), groups: new Map() };
  for (const { repository, config } of configs) {
    for (const [name, environment] of Object.entries(config.environments)) {
      if (!environment.slack) continue;
      const where = `${repository} environment ${name}`;
      add(targets.channels, environment.slack.channel, where);
      if (environment.slack.approvers === "anyone") continue;
      for (const approver of environment.slack.approvers) add(approver.startsWith("S") ? targets.groups : targets.users, approver, where);
    }
  }
  return targets;
}
