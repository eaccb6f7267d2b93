import { lastFreezesChange } from "../github/freezes-file.js";
import type { FreezesChange } from "../github/freezes-file.js";
import { FREEZES_PATH, displayZone, releasePolicyFor, renderInstant } from "../policy/index.js";
import type { FreezesFile } from "../policy/index.js";
import { escapeMrkdwn, githubRefused, refusal } from "./blocks/index.js";
import { inert } from "./blocks/mrkdwn.js";
import { decodeThawValue } from "./blocks/policy-buttons.js";
import type { ThawValue } from "./blocks/policy-buttons.js";
import { thawIn, unauthorized } from "./freeze-commands.js";
import type { Target } from "./freeze-commands.js";
import { tell } from "./proposal-actions.js";
import type { Click } from "./proposal-actions.js";
import { SlackActionError, repositoryAccess } from "./slack-context.js";
import type { SlackContext } from "./slack-context.js";

/**
 * The Thaw button on a freeze's announcement: the freeze it was drawn for
 * thawed as `/bender thaw` thaws it, in the repository the announcement is
 * about (each repository with the environment gets its own announcement).
 *
 * 1. Decode the button (data from Slack), find the repository's config.
 * 2. Authorise the person: the environment's `freezers`, else its approvers.
 * 3. Only while the file still has that freeze (not thawed, replaced or
 *    edited away since): remove the environment's freezes in one
 *    compare-and-swap commit; an automatic environment is swept.
 * 4. Redraw the announcement ("Thawed by … at …"), without its button.
 */
export async function pressThaw(context: SlackContext, click: Click): Promise<void> {
  // 1. Decode, find.
  const decoded = decodeThawValue(click.value);
  if (!decoded.ok) return tell(context, click.location, click.user, refusal({ kind: "invalid-button", detail: decoded.reason }));
  const value = decoded.value;
  const target = await targetOf(context, click, value);
  if (!target) return;
  // 2. Authorise.
  const why = await unauthorized(context, click.user, target.policy);
  if (why !== undefined) return tell(context, click.location, click.user, why);
  // 3. Thaw, if the freeze is still there.
  const thawed = await thawIn(context, target, click.user, (file) => hasFreeze(file, value));
  const environment = escapeMrkdwn(value.environment);
  const about = `*${environment}* (${escapeMrkdwn(value.repository)})`;
  if (thawed.kind === "refused") return tell(context, click.location, click.user, `Not thawed: ${escapeMrkdwn(thawed.why)}. Nothing changed.`);
  if (thawed.kind === "unchanged") {
    const gone = await goneBy(context, target, click);
    const emoji = gone.startsWith("thawed by") ? ":sunny:" : ":snowflake:";
    await redrawAnnouncement(context, click, `${emoji} A freeze of ${about} that is no longer in \`${FREEZES_PATH}\`: ${gone}.`);
    return tell(context, click.location, click.user, `This freeze of ${about} is already gone: ${gone}. Nothing changed.`);
  }
  // 4. Redraw.
  const now = context.now().getTime();
  const at = escapeMrkdwn(renderInstant(now, displayZone(target.policy), now));
  await redrawAnnouncement(context, click, `:sunny: A freeze of ${about}: Thawed by <@${click.user}> at ${at}. ${thawed.open}. (<${thawed.url}|${FREEZES_PATH}>)`);
}

/** The repository the button names, with its config and the environment's policy; a refusal is told. */
async function targetOf(context: SlackContext, click: Click, value: ThawValue): Promise<Target | undefined> {
  try {
    const access = await repositoryAccess(context, value.repository, value.environment);
    const policy = releasePolicyFor(access.config, value.environment);
    if (policy) return { repository: value.repository, client: access.client, config: access.config, policy };
    throw new SlackActionError("unknown-environment", `${value.repository} has no environment ${value.environment} any more`);
  } catch (error) {
    if (!(error instanceof SlackActionError)) throw error;
    await tell(context, click.location, click.user, githubRefused(error.message));
    return undefined;
  }
}

/** Whether the freezes file still holds the freeze the button was drawn for (its environment and start); an unreadable file does not say. */
function hasFreeze(file: FreezesFile, value: ThawValue): boolean {
  const since = Date.parse(value.since);
  return file.ok && file.freezes.some((freeze) => freeze.environment === value.environment && Date.parse(freeze.since) === since);
}

/**
 * Who or what removed a freeze that is already gone (a `/bender thaw`, whose
 * announcement does not know this one's place; the timed thaw; an edit in
 * git), from the last commit that changed the file: "thawed by <@U> at …",
 * else that commit's headline. One read, only on this path.
 */
async function goneBy(context: SlackContext, target: Target, click: Click): Promise<string> {
  const branch = target.config.environments[target.policy.environment]?.branch;
  let change: FreezesChange | undefined;
  try {
    change = await lastFreezesChange(target.client, target.repository, branch);
  } catch (error) {
    context.log.warn({ err: error, repository: target.repository, user: click.user }, "the freezes file's last change not read");
  }
  if (change === undefined) return "thawed, replaced or edited in git";
  const now = context.now().getTime();
  const at = escapeMrkdwn(renderInstant(Date.parse(change.committedAt), displayZone(target.policy), now));
  const link = `<${change.url}|${inert(change.headline, 100)}>`;
  // The trailer block is the body's last paragraph; a freeze's reason (its first) cannot pose as a thaw.
  const trailers = change.body.trim().split(/\n\s*\n/).pop() ?? "";
  const by = /^Thaw\b/.test(change.headline) ? /^Thawed-by: (?:<@(?<user>[UW][A-Z0-9]{2,20})> \(Slack\)|(?<other>.{1,80}))$/m.exec(trailers)?.groups : undefined;
  if (by?.user !== undefined) return `thawed by <@${by.user}> at ${at} (${link})`;
  if (by?.other !== undefined) return `thawed by ${inert(by.other, 80)} at ${at} (${link})`;
  return `the file last changed at ${at} (${link})`;
}

async function redrawAnnouncement(context: SlackContext, click: Click, text: string): Promise<void> {
  await context.slack.chat.update({ channel: click.location.channel, ts: click.location.ts, text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] });
}
