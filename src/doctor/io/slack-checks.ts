import { LogLevel } from "@slack/bolt";
import type { Logger as BoltLogger } from "@slack/bolt";
import type { BenderConfig } from "../../config/index.js";
import type { SlackSettings } from "../../server/settings.js";
import { createSlackClients } from "../../slack/slack-client.js";
import { failed, judged, passed, skipped } from "../report.js";
import type { CheckResult, Finding } from "../report.js";
import { slackTargets } from "../slack-targets.js";

/** The doctor prints its own report; Slack's client says nothing. */
const QUIET: BoltLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

/** Slack's error code of a refused call (`invalid_auth`, `missing_scope`…), or undefined when Slack gave no answer. */
function slackError(error: unknown): { code: string; needed?: string } | undefined {
  const data = (error as { data?: { error?: string; needed?: string } }).data;
  return data?.error ? { code: data.error, ...(data.needed ? { needed: data.needed } : {}) } : undefined;
}

const ADD_SCOPE = "add the scope to the Slack app (OAuth & Permissions, or slack-app-manifest.yml), reinstall it to the workspace and copy the new SLACK_BOT_TOKEN";

/**
 * The Slack checks, through Bender's own Slack client: the token (auth.test), the bot's membership of every
 * channel the configs name (conversations.info; conversations.list for "#name"), and every approver user
 * (users.info) and user group (usergroups.list).
 */
export async function slackChecks(slack: SlackSettings | undefined, configs: readonly { repository: string; config: BenderConfig }[], configsUnknown: string | undefined): Promise<CheckResult[]> {
  if (!slack) {
    const off = "Slack is off (no SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET): Bender runs GitHub-only";
    return [passed("slack-token", off), passed("slack-channels", off), passed("slack-approvers", off)];
  }
  const { client, stop } = createSlackClients({ botToken: slack.botToken, apiUrl: slack.apiUrl, retries: 0, logger: QUIET });
  try {
    // 1. The token.
    let bot: { user: string; userId: string; team: string };
    try {
      const answer = (await client.auth.test()) as { user?: string; user_id?: string; team?: string };
      bot = { user: answer.user ?? "?", userId: answer.user_id ?? "?", team: answer.team ?? "?" };
    } catch (error) {
      const refused = slackError(error);
      const reason = `Slack could not be reached at ${slack.apiUrl} (${(error as Error).message})`;
      if (!refused) return [skipped("slack-token", reason), skipped("slack-channels", reason), skipped("slack-approvers", reason)];
      const after = "needs the slack-token check to pass";
      return [
        failed("slack-token", [{ problem: `Slack refused SLACK_BOT_TOKEN (${refused.code})`, fix: "copy the Bot User OAuth Token (xoxb-…) from the Slack app's OAuth & Permissions page into SLACK_BOT_TOKEN; reinstall the app if it was uninstalled" }]),
        skipped("slack-channels", after),
        skipped("slack-approvers", after),
      ];
    }
    const checks: CheckResult[] = [passed("slack-token", `bot @${bot.user} (${bot.userId}) in workspace ${bot.team}`)];
    if (configsUnknown) return [...checks, skipped("slack-channels", `the configs could not be read: ${configsUnknown}`), skipped("slack-approvers", `the configs could not be read: ${configsUnknown}`)];
    const targets = slackTargets(configs);

    // 2. Channels: the bot posts only where it is a member.
    const channelFindings: Finding[] = [];
    let byName: Map<string, { id: string; is_member?: boolean }> | undefined;
    for (const [channel, uses] of targets.channels) {
      const named = `${channel} (${uses.join("; ")})`;
      try {
        let member: boolean | undefined;
        if (channel.startsWith("#")) {
          byName ??= await listChannels(client);
          const found = byName.get(channel.slice(1));
          if (!found) {
            channelFindings.push({ problem: `no channel ${named} that the bot can see`, fix: `create it, or for a private channel invite @${bot.user} (/invite @${bot.user}), or write the channel's ID (C…) in .github/bender.yml` });
            continue;
          }
          member = found.is_member;
        } else {
          const answer = (await client.conversations.info({ channel })) as { channel?: { is_member?: boolean } };
          member = answer.channel?.is_member;
        }
        if (member !== true) channelFindings.push({ problem: `the bot @${bot.user} is not a member of ${named}`, fix: `in that channel, type /invite @${bot.user}` });
      } catch (error) {
        channelFindings.push(refusal(error, named, bot.user));
      }
    }
    checks.push(judged("slack-channels", channelFindings, targets.channels.size === 0 ? "no channel configured" : `member of ${[...targets.channels.keys()].join(", ")}`));

    // 3. Approvers: users one by one, groups in one listing.
    const approverFindings: Finding[] = [];
    for (const [user, uses] of targets.users) {
      try {
        const answer = (await client.users.info({ user })) as { user?: { deleted?: boolean; name?: string } };
        if (answer.user?.deleted) approverFindings.push({ problem: `approver ${user} (${uses.join("; ")}) is a deactivated account`, fix: "remove it from approvers in .github/bender.yml" });
      } catch (error) {
        const refused = slackError(error);
        if (refused?.code === "user_not_found") approverFindings.push({ problem: `approver ${user} (${uses.join("; ")}) is not a user of this workspace`, fix: "use the member ID from the person's Slack profile (⋮ → Copy member ID) in .github/bender.yml" });
        else approverFindings.push(refusal(error, `user ${user}`, bot.user));
      }
    }
    if (targets.groups.size > 0) {
      try {
        const answer = (await client.usergroups.list({ include_disabled: true })) as { usergroups?: { id: string; handle?: string; date_delete?: number }[] };
        const groups = new Map((answer.usergroups ?? []).map((group) => [group.id, group]));
        for (const [group, uses] of targets.groups) {
          const found = groups.get(group);
          if (!found) approverFindings.push({ problem: `approver group ${group} (${uses.join("; ")}) does not exist in this workspace`, fix: "use the user group's ID (S…) from its page in Slack, in .github/bender.yml" });
          else if (found.date_delete) approverFindings.push({ problem: `approver group ${group} (@${found.handle ?? "?"}) is disabled: nobody in it can pin`, fix: "enable the group in Slack, or name another in .github/bender.yml" });
        }
      } catch (error) {
        approverFindings.push(refusal(error, "user groups", bot.user));
      }
    }
    const approvers = targets.users.size + targets.groups.size;
    checks.push(judged("slack-approvers", approverFindings, approvers === 0 ? "no approver named (anyone in the channel may pin)" : `${approvers} ${approvers === 1 ? "approver exists" : "approvers exist"}`));
    return checks;
  } finally {
    stop();
  }
}

/** The most pages of conversations.list read (1,000 channels each). */
const MAX_CHANNEL_PAGES = 50;

/** Every channel the bot can see, by name (public ones, and private ones it is in). */
async function listChannels(client: ReturnType<typeof createSlackClients>["client"]): Promise<Map<string, { id: string; is_member?: boolean }>> {
  const channels = new Map<string, { id: string; is_member?: boolean }>();
  let cursor: string | undefined;
  const seen = new Set<string>();
  // A workspace of 50,000 channels is 50 pages; a cursor Slack repeats (or an endless list) stops here, not never.
  for (let pages = 0; pages < MAX_CHANNEL_PAGES; pages += 1) {
    const page = (await client.conversations.list({ types: "public_channel,private_channel", exclude_archived: true, limit: 1000, ...(cursor ? { cursor } : {}) })) as {
      channels?: { id: string; name: string; is_member?: boolean }[];
      response_metadata?: { next_cursor?: string };
    };
    for (const channel of page.channels ?? []) channels.set(channel.name, channel);
    cursor = page.response_metadata?.next_cursor || undefined;
    if (cursor === undefined || seen.has(cursor)) break;
    seen.add(cursor);
  }
  return channels;
}

function refusal(error: unknown, what: string, bot: string): Finding {
  const refused = slackError(error);
  if (refused?.code === "missing_scope") return { problem: `the bot token lacks the ${refused.needed ?? "needed"} scope to look up ${what}`, fix: ADD_SCOPE };
  if (refused?.code === "channel_not_found") return { problem: `no channel ${what} that the bot can see`, fix: `check the ID in .github/bender.yml; for a private channel invite @${bot} first` };
  if (refused) return { problem: `Slack refused the look-up of ${what} (${refused.code})`, fix: "see Slack's documentation of that error" };
  return { problem: `Slack did not answer the look-up of ${what}: ${(error as Error).message}`, fix: "run bender doctor again when Slack can be reached" };
}
