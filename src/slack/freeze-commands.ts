import { trailerPerson } from "../proposals/trailers.js";
import type { BenderConfig } from "../config/schema.js";
import { installedManifestRepositories } from "../github/accept-build.js";
import { readFreezesFile, writeFreezesFile } from "../github/freezes-file.js";
import type { InstallationClient } from "../github/manifest-repositories.js";
import { FREEZES_PATH, FREEZE_USAGE, describeFreeze, displayZone, parseFreezeCommand, parseFreezes, parseThawCommand, releasePolicyFor, withFreeze, withoutFreezes } from "../policy/index.js";
import type { Freeze, FreezesFile, ReleasePolicy } from "../policy/index.js";
import { escapeMrkdwn } from "./blocks/index.js";
import { thawButton, withButtons } from "./blocks/policy-buttons.js";
import { cancelArmedAutoMerges } from "./cancel-auto-merges.js";
import { pinGate, policyText } from "./release-gate.js";
import type { SlackContext } from "./slack-context.js";

/** How often a freeze or thaw reads and writes again when the branch moved under it (someone pushed meanwhile). */
const ATTEMPTS = 3;

/** One manifest repository with the environment, and that environment's release policy there. */
export interface Target {
  readonly repository: string;
  readonly client: InstallationClient;
  readonly config: BenderConfig;
  readonly policy: ReleasePolicy;
}

/** What a freeze or thaw did to one repository's freezes file. */
export type Written =
  | { readonly kind: "committed"; readonly url: string; readonly contents: string }
  | { readonly kind: "unchanged" }
  | { readonly kind: "refused"; readonly why: string };

type Respond = (text: string) => Promise<unknown>;

/**
 * `/bender freeze <environment> [for <duration> | until <time>] <reason>`:
 * one compare-and-swap commit of `.bender/freezes.yml` on the environment's
 * branch in each manifest repository that has the environment, announced in
 * its channel with a Thaw button.
 *
 * 1. Find the environment's manifest repositories and its release policy.
 * 2. Authorise the person in each: the environment's `freezers`, else its approvers.
 * 3. Read the command (duration or end in the environment's zone, reason).
 * 4. Per repository: read the branch head and the file, write the file with
 *    the freeze, expecting that head (read again if the branch moved); then
 *    cancel the GitHub auto-merges armed on its open proposals.
 * 5. Announce in the environment's channel; tell the person.
 */
export async function freeze(context: SlackContext, user: string, words: readonly string[], respond: Respond): Promise<void> {
  // 1. Find.
  const environment = words[0];
  if (environment === undefined) return void (await respond(escapeMrkdwn(`Write ${FREEZE_USAGE}`)));
  const found = await targetsOf(context, environment);
  if (found.length === 0) return void (await respond(`No environment named ${escapeMrkdwn(environment)}.`));
  // 2. Authorise.
  const { allowed, refusals } = await authorised(context, user, found, "frozen");
  const first = allowed[0];
  if (first === undefined) return void (await respond(refusals.why));
  // 3. Read the command.
  const now = context.now().getTime();
  const command = parseFreezeCommand(fromSlack(words.join(" ")), user, now, [first.policy]);
  if (!command.ok) return void (await respond(escapeMrkdwn(command.message)));
  const frozen: Freeze = command.freeze;
  const line = `*${escapeMrkdwn(environment)}* is ${policyText(describeFreeze(frozen, displayZone(first.policy), now), user)}`;
  const done = [...refusals.lines];
  // 4. Write, per repository.
  for (const target of allowed) {
    const written = await rewrite(target, (text) => withFreeze(text, frozen), {
      headline: `Freeze ${environment}${frozen.until === undefined ? "" : ` until ${frozen.until}`}`,
      body: `${frozen.reason}\n\nFrozen-by: ${trailerPerson(user)}`,
    });
    if (written.kind !== "committed") {
      done.push(`${escapeMrkdwn(target.repository)}: not frozen: ${escapeMrkdwn(written.kind === "refused" ? written.why : "nothing to change")}`);
      continue;
    }
    done.push(`${escapeMrkdwn(target.repository)}: <${written.url}|committed>`);
    const cancelled = await cancelArmedAutoMerges(context, target, frozen);
    // 5. Announce, with the button that thaws this freeze.
    const text = `:snowflake: ${line}. Pin is refused and automatic pins wait until it thaws; Unpin stays allowed.${cancelled} (<${written.url}|${FREEZES_PATH}>)`;
    const button = thawButton({ v: 1, repository: target.repository, environment: target.policy.environment, since: frozen.since });
    await announce(context, target, withButtons(text, [button]));
  }
  await respond(`${line}.\n${done.map((entry) => `• ${entry}`).join("\n")}`);
}

/**
 * `/bender thaw <environment>`: the environment's freezes removed from
 * `.bender/freezes.yml`, as for a freeze (same people, one compare-and-swap
 * commit per repository, announced), saying whether Pin is open now.
 */
export async function thaw(context: SlackContext, user: string, words: readonly string[], respond: Respond): Promise<void> {
  const found = words[0] === undefined ? [] : await targetsOf(context, words[0]);
  const command = parseThawCommand(words.join(" "), found.map((target) => target.policy).slice(0, 1));
  if (!command.ok) return void (await respond(escapeMrkdwn(command.message)));
  const environment = escapeMrkdwn(command.environment);
  const { allowed, refusals } = await authorised(context, user, found, "thawed");
  if (allowed.length === 0) return void (await respond(refusals.why));
  const done = [...refusals.lines];
  for (const target of allowed) {
    const thawed = await thawIn(context, target, user, () => true);
    if (thawed.kind === "unchanged") done.push(`${escapeMrkdwn(target.repository)}: ${environment} was not frozen`);
    else if (thawed.kind === "refused") done.push(`${escapeMrkdwn(target.repository)}: not thawed: ${escapeMrkdwn(thawed.why)}`);
    else {
      done.push(`${escapeMrkdwn(target.repository)}: <${thawed.url}|committed>`);
      await announce(context, target, { text: `:sunny: *${environment}* was thawed by <@${user}>. ${thawed.open}. (<${thawed.url}|${FREEZES_PATH}>)` });
    }
  }
  await respond(`Thaw of *${environment}*:\n${done.map((entry) => `• ${entry}`).join("\n")}`);
}

/**
 * Removes the environment's freezes from one repository's file (when
 * `stillThere` says the file still has what the person meant to thaw), in
 * one compare-and-swap commit; an automatic environment's repository is then
 * swept, which pins the proposals that waited (when its windows allow).
 * `open` says whether Pin is open now. A file that cannot be read is edited
 * only where the environment's entries can still be found and removed (the
 * command); otherwise the refusal says what is wrong with it and what to do.
 */
export async function thawIn(
  context: SlackContext,
  target: Target,
  user: string,
  stillThere: (file: FreezesFile) => boolean,
): Promise<Exclude<Written, { kind: "committed" }> | { kind: "committed"; url: string; open: string }> {
  const environment = target.policy.environment;
  const edit = (text: string | undefined): string | undefined | Refused => {
    const file = parseFreezes(text);
    const edited = stillThere(file) ? withoutFreezes(text, [environment]) : undefined;
    if (edited !== undefined || file.ok) return edited;
    const branch = target.config.environments[environment]?.branch;
    return { refused: `${file.reason} (on ${branch === undefined ? "the default branch" : `the branch ${branch}`}). Bender cannot tell which freeze to remove: fix or delete ${FREEZES_PATH} in git (until it reads, Pin is refused there)` };
  };
  const written = await rewrite(target, edit, { headline: `Thaw ${environment}`, body: `Thawed-by: ${trailerPerson(user)}` });
  if (written.kind !== "committed") return written;
  // Automatic proposals that waited for the thaw are pinned by the repository's sweep (in its queue line).
  if (target.policy.autoPin) context.services.queue.requestSweep(target.repository, target.client);
  const gate = pinGate(target.config, environment, context.now(), written.contents);
  const open = gate.allowed ? "Pin is open again" : `Pin is still refused: ${policyText(gate.message, gate.reason === "frozen" ? gate.freeze.by : undefined)}`;
  return { kind: "committed", url: written.url, open };
}

/** An edit that must not be written, and why. */
interface Refused {
  readonly refused: string;
}

/** A slash command's text as the person typed it: Slack sends `&`, `<` and `>` as entities. */
function fromSlack(text: string): string {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

/** Every manifest repository whose valid config has the environment. */
async function targetsOf(context: SlackContext, environment: string): Promise<Target[]> {
  const targets: Target[] = [];
  for (const { repository, client } of await installedManifestRepositories(context.services, context.log)) {
    const lookup = await context.services.configs.load(client, repository, context.log);
    if (lookup.kind !== "config") continue;
    const policy = releasePolicyFor(lookup.config, environment);
    if (policy) targets.push({ repository, client, config: lookup.config, policy });
  }
  return targets;
}

/**
 * The repositories where the person may freeze or thaw the environment: each
 * repository's config names its own freezers (or approvers), so each is
 * checked. `refusals.why` explains the first refusal in full; `lines` lists
 * the refused repositories for the answer.
 */
async function authorised(
  context: SlackContext,
  user: string,
  targets: readonly Target[],
  verb: "frozen" | "thawed",
): Promise<{ allowed: Target[]; refusals: { why: string; lines: string[] } }> {
  const allowed: Target[] = [];
  const refusals = { why: "", lines: [] as string[] };
  for (const target of targets) {
    const why = await unauthorized(context, user, target.policy);
    if (why === undefined) allowed.push(target);
    else {
      refusals.why ||= why;
      refusals.lines.push(`${escapeMrkdwn(target.repository)}: not ${verb}: you are not one of its freezers`);
    }
  }
  return { allowed, refusals };
}

/** Why the person may not freeze or thaw the environment (`/bender` or the Thaw button), or undefined when they may. */
export async function unauthorized(context: SlackContext, user: string, policy: ReleasePolicy): Promise<string | undefined> {
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
 * when the branch moved meanwhile, reads and edits again (at most ATTEMPTS
 * times). `edit` returning undefined: nothing to change; `refused`: nothing may be written.
 */
async function rewrite(target: Target, edit: (text: string | undefined) => string | undefined | Refused, commit: { headline: string; body: string }): Promise<Written> {
  const branch = target.config.environments[target.policy.environment]?.branch;
  let last = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const read = await readFreezesFile(target.client, target.repository, branch);
    if (!read) return { kind: "refused", why: `the branch ${branch ?? "(default)"} does not exist` };
    const contents = edit(read.text);
    if (contents === undefined) return { kind: "unchanged" };
    if (typeof contents !== "string") return { kind: "refused", why: contents.refused };
    const written = await writeFreezesFile(target.client, read, contents, commit);
    if (written.ok) return { kind: "committed", url: written.url, contents };
    if (!written.moved) return { kind: "refused", why: written.message };
    last = written.message;
  }
  return { kind: "refused", why: `the branch kept moving (${last})` };
}

async function announce(context: SlackContext, target: Target, message: { text: string; blocks?: unknown[] }): Promise<void> {
  const channel = target.config.environments[target.policy.environment]?.slack?.channel;
  if (channel === undefined) return;
  await context.slack.chat.postMessage({ channel, ...message } as Parameters<SlackContext["slack"]["chat"]["postMessage"]>[0]);
}
