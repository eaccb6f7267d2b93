import type { BenderConfig } from "../config/schema.js";
import { manifestTargets } from "../github/accept-build.js";
import { readFreezesFile, writeFreezesFile } from "../github/freezes-file.js";
import type { FreezesRead } from "../github/freezes-file.js";
import type { InstallationClient } from "../github/manifest-repositories.js";
import { FREEZES_PATH, FREEZE_USAGE, describeFreeze, displayZone, parseFreezeCommand, parseThawCommand, releasePolicyFor, withFreeze, withoutFreezes } from "../policy/index.js";
import type { Freeze, ReleasePolicy } from "../policy/index.js";
import { escapeMrkdwn } from "./blocks/index.js";
import { pinGate, policyText } from "./release-gate.js";
import type { SlackContext } from "./slack-context.js";

/** How often a freeze or thaw reads and writes again when the branch moved under it (someone pushed meanwhile). */
const ATTEMPTS = 3;

interface Target {
  readonly repository: string;
  readonly client: InstallationClient;
  readonly config: BenderConfig;
  readonly policy: ReleasePolicy;
}

type Respond = (text: string) => Promise<unknown>;

/**
 * `/bender freeze <environment> [for <duration> | until <time>] <reason>`:
 * one compare-and-swap commit of `.bender/freezes.yml` on the environment's
 * branch in each manifest repository that has the environment, announced in
 * its channel.
 *
 * 1. Find the environment's manifest repositories and its release policy.
 * 2. Authorise the person: the environment's `freezers`, else its approvers.
 * 3. Read the command (duration or end in the environment's zone, reason).
 * 4. Per repository: read the branch head and the file, write the file with
 *    the freeze, expecting that head (read again if the branch moved).
 * 5. Announce in the environment's channel; tell the person.
 */
export async function freeze(context: SlackContext, user: string, words: readonly string[], respond: Respond): Promise<void> {
  const environment = words[0];
  if (environment === undefined) return void (await respond(escapeMrkdwn(`Write ${FREEZE_USAGE}`)));
  const found = await targetsOf(context, environment);
  if (found[0] === undefined) return void (await respond(`No environment named ${escapeMrkdwn(environment)}.`));
  const { allowed: targets, refusals } = await authorised(context, user, found);
  const first = targets[0];
  if (first === undefined) return void (await respond(refusals[0]?.why ?? ""));
  const now = context.now().getTime();
  const command = parseFreezeCommand(fromSlack(words.join(" ")), user, now, [first.policy]);
  if (!command.ok) return void (await respond(escapeMrkdwn(command.message)));
  const frozen: Freeze = command.freeze;
  const line = `*${escapeMrkdwn(environment)}* is ${policyText(describeFreeze(frozen, displayZone(first.policy), now), user)}`;
  const done = refusals.map(({ repository }) => `${escapeMrkdwn(repository)}: not frozen: you are not one of its freezers`);
  for (const target of targets) {
    const written = await rewrite(target, (text) => withFreeze(text, frozen), {
      headline: `Freeze ${environment}${frozen.until === undefined ? "" : ` until ${frozen.until}`}`,
      body: `${frozen.reason}\n\nFrozen-by: <@${user}> (Slack)`,
    });
    if (typeof written === "string") {
      done.push(`${escapeMrkdwn(target.repository)}: not frozen: ${escapeMrkdwn(written)}`);
      continue;
    }
    done.push(`${escapeMrkdwn(target.repository)}: <${written.url}|committed>`);
    await announce(context, target, `:snowflake: ${line}. Pin is refused and automatic pins wait until it thaws; Unpin stays allowed. (<${written.url}|${FREEZES_PATH}>)`);
  }
  await respond(`${line}.\n${done.map((entry) => `• ${entry}`).join("\n")}`);
}

/**
 * `/bender thaw <environment>`: the environment's freezes removed from
 * `.bender/freezes.yml`, as for a freeze (same people, one compare-and-swap
 * commit per repository, announced), saying whether Pin is open now. An
 * automatic environment's repository is then swept, which pins the
 * proposals that waited (when its windows allow).
 */
export async function thaw(context: SlackContext, user: string, words: readonly string[], respond: Respond): Promise<void> {
  const found = words[0] === undefined ? [] : await targetsOf(context, words[0]);
  const command = parseThawCommand(words.join(" "), found.map((target) => target.policy).slice(0, 1));
  if (!command.ok) return void (await respond(escapeMrkdwn(command.message)));
  const environment = command.environment;
  const { allowed: targets, refusals } = await authorised(context, user, found);
  if (targets[0] === undefined) return void (await respond(refusals[0]?.why ?? ""));
  const done = refusals.map(({ repository }) => `${escapeMrkdwn(repository)}: not thawed: you are not one of its freezers`);
  for (const target of targets) {
    let after: string | undefined;
    const written = await rewrite(
      target,
      (text) => {
        after = withoutFreezes(text, [environment]);
        return after;
      },
      { headline: `Thaw ${environment}`, body: `Thawed-by: <@${user}> (Slack)` },
    );
    if (written === "nothing to change") {
      done.push(`${escapeMrkdwn(target.repository)}: ${escapeMrkdwn(environment)} was not frozen`);
      continue;
    }
    if (typeof written === "string") {
      done.push(`${escapeMrkdwn(target.repository)}: not thawed: ${escapeMrkdwn(written)}`);
      continue;
    }
    // Automatic proposals that waited for the thaw are pinned by the repository's sweep (in its queue line).
    if (target.policy.autoPin) context.services.queue.requestSweep(target.repository, target.client);
    const gate = pinGate(target.config, environment, context.now(), after);
    const open = gate.allowed ? "Pin is open again" : `Pin is still refused: ${policyText(gate.message, gate.reason === "frozen" ? gate.freeze.by : undefined)}`;
    done.push(`${escapeMrkdwn(target.repository)}: <${written.url}|committed>`);
    await announce(context, target, `:sunny: *${escapeMrkdwn(environment)}* was thawed by <@${user}>. ${open}. (<${written.url}|${FREEZES_PATH}>)`);
  }
  await respond(`Thaw of *${escapeMrkdwn(environment)}*:\n${done.map((entry) => `• ${entry}`).join("\n")}`);
}

/** A slash command's text as the person typed it: Slack sends `&`, `<` and `>` as entities. */
function fromSlack(text: string): string {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

/** Every manifest repository whose valid config has the environment. */
async function targetsOf(context: SlackContext, environment: string): Promise<Target[]> {
  const targets: Target[] = [];
  for (const { repository, client } of await manifestTargets(context.services, { kind: "named" }, context.log)) {
    if (!client) continue;
    const lookup = await context.services.configs.load(client, repository, context.log);
    if (lookup.kind !== "config") continue;
    const policy = releasePolicyFor(lookup.config, environment);
    if (policy) targets.push({ repository, client, config: lookup.config, policy });
  }
  return targets;
}

/**
 * The repositories where the person may freeze or thaw the environment: each repository's config names its own
 * freezers (or approvers), so each is checked; the refused ones with why.
 */
async function authorised(context: SlackContext, user: string, targets: readonly Target[]): Promise<{ allowed: Target[]; refusals: { repository: string; why: string }[] }> {
  const allowed: Target[] = [];
  const refusals: { repository: string; why: string }[] = [];
  for (const target of targets) {
    const why = await unauthorized(context, user, target.policy);
    if (why === undefined) allowed.push(target);
    else refusals.push({ repository: target.repository, why });
  }
  return { allowed, refusals };
}

/** Why the person may not freeze or thaw the environment, or undefined when they may. */
async function unauthorized(context: SlackContext, user: string, policy: ReleasePolicy): Promise<string | undefined> {
  const environment = escapeMrkdwn(policy.environment);
  if (policy.freezers === undefined) {
    return `Nobody can freeze or thaw *${environment}* from Slack: it has neither \`freezers\` nor \`slack.approvers\` in \`.github/bender.yml\`. Nothing changed.`;
  }
  const among = await context.approvers.isAmong(user, policy.freezers);
  if (among.ok) return undefined;
  const unknown = among.unknownGroups.length > 0 ? ` Slack does not know the user group(s) ${among.unknownGroups.slice(0, 10).map((group) => `\`${escapeMrkdwn(group.slice(0, 40))}\``).join(", ")}.` : "";
  return `You can't freeze or thaw *${environment}*: you are not one of its freezers (\`environments.${environment}.freezers\`, else its \`slack.approvers\`), so nothing changed.${unknown}`;
}

/**
 * Reads the freezes file and writes `edit`'s result expecting the head read;
 * when the branch moved meanwhile, reads and edits again (at most
 * ATTEMPTS times). Returns the commit, "nothing to change", or why not.
 */
async function rewrite(
  target: Target,
  edit: (text: string | undefined) => string | undefined,
  commit: { headline: string; body: string },
): Promise<{ url: string } | string> {
  const branch = target.config.environments[target.policy.environment]?.branch;
  let last = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const read: FreezesRead | undefined = await readFreezesFile(target.client, target.repository, branch);
    if (!read) return `the branch ${branch ?? "(default)"} does not exist`;
    const contents = edit(read.text);
    if (contents === undefined) return "nothing to change";
    const written = await writeFreezesFile(target.client, read, contents, commit);
    if (written.ok) return { url: written.url };
    if (!written.moved) return written.message;
    last = written.message;
  }
  return `the branch kept moving (${last})`;
}

async function announce(context: SlackContext, target: Target, text: string): Promise<void> {
  const channel = target.config.environments[target.policy.environment]?.slack?.channel;
  if (channel === undefined) return;
  await context.slack.chat.postMessage({ channel, text });
}
