import type { BenderConfig } from "../config/schema.js";
import { parseReference, shortDigest } from "../image-ref/index.js";
import { inlineEngine, referencesIn } from "../manifests/io/manifest-engine.js";
import type { ManifestEngine } from "../manifests/io/manifest-engine.js";
import { findHold, parseHolds, HOLDS_PATH } from "../proposals/holds.js";
import { decodeMetadata } from "../proposals/metadata.js";
import type { BenderMetadata } from "../proposals/metadata.js";
import { installedManifestRepositories } from "../github/accept-build.js";
import type { InstallationClient } from "../github/manifest-repositories.js";
import { readEnvironmentStatus } from "../github/read-environment-status.js";
import type { ListedPullRequest } from "../github/read-environment-status.js";
import { readFileTexts } from "../github/read-file-texts.js";
import { readMergedProposals } from "../github/read-merged-proposals.js";
import { clusterStatusLines } from "./blocks/cluster-status.js";
import { escapeMrkdwn, tallyText } from "./blocks/index.js";
import { approvalPolicy, approvalProgress } from "./approval-step.js";
import { freeze, thaw } from "./freeze-commands.js";
import { releasePolicyLines } from "./release-gate.js";
import type { SlackContext } from "./slack-context.js";

export const COMMAND_HELP = [
  "*/bender status [environment]*: what each environment runs now, per image, with holds, freezes, deploy windows and open proposals and their approvals",
  "*/bender history <image> [environment]*: the last pins and unpins, with who and when",
  "*/bender freeze <environment> [for <duration> | until <time>] <reason>*: refuse Pin (and hold automatic pins) there until it thaws, and cancel GitHub auto-merges Pin armed there; Unpin stays allowed",
  "*/bender thaw <environment>*: end the environment's freeze (or press Thaw on the freeze's announcement)",
  "*/bender help*: this text",
].join("\n");

export interface CommandInvocation {
  readonly user: string;
  readonly text: string;
  readonly channel: string;
}

/** Who pinned or unpinned from Slack: GitHub names the App as the merger, the merge commit's trailer names the person. */
function actor(pullRequest: ListedPullRequest): string {
  if (pullRequest.slackUser) return `<@${pullRequest.slackUser}>`;
  return pullRequest.mergedBy ? escapeMrkdwn(pullRequest.mergedBy) : "someone";
}

const LIMIT = 3000;

/**
 * Answers `/bender …` ephemerally; the command is acknowledged before any of
 * this runs, and a failure (GitHub unreachable, the response_url gone) is
 * told by the caller's boundary (src/slack/report-failure.ts).
 */
export async function handleCommand(context: SlackContext, invocation: CommandInvocation, respond: (text: string) => Promise<unknown>): Promise<void> {
  const [verb = "help", ...rest] = invocation.text.trim().split(/\s+/).filter(Boolean);
  if (verb === "status") return void (await respond(await status(context, rest[0])));
  if (verb === "history") {
    if (!rest[0]) return void (await respond("Usage: */bender history <image> [environment]*, e.g. `/bender history ghcr.io/acme/api production`"));
    return void (await respond(await history(context, rest[0], rest[1])));
  }
  if (verb === "freeze") return freeze(context, invocation.user, rest, respond);
  if (verb === "thaw") return thaw(context, invocation.user, rest, respond);
  if (verb !== "help") return void (await respond(`Unknown command \`${escapeMrkdwn(verb)}\`.\n${COMMAND_HELP}`));
  await respond(COMMAND_HELP);
}

function clamp(lines: readonly string[]): string {
  const text = lines.join("\n");
  return text.length <= LIMIT ? text : `${text.slice(0, LIMIT - 20)}\n… (more not shown)`;
}

/**
 * Per environment: the images Bender has pinned there and the version each
 * last pin set, whether automation is held, and the open proposals — read in
 * one query per repository.
 *
 * 1. For each manifest repository with a valid config, its environments (or the one asked for).
 * 2. Read their PRs, holds and deployments in one query (`readEnvironmentStatus`).
 * 3. Keep the latest pin or unpin of each image, and read what the manifests say it runs now.
 * 4. Render a line per image, the clusters' sync reports, holds, freezes and
 *    the deploy window, and open proposals.
 */
async function status(context: SlackContext, only: string | undefined): Promise<string> {
  const lines: string[] = [];
  for (const { repository, client } of await installedManifestRepositories(context.services, context.log)) {
    const lookup = await context.services.configs.load(client, repository, context.log);
    if (lookup.kind !== "config") continue;
    const environments = Object.keys(lookup.config.environments).filter((name) => only === undefined || name === only);
    if (environments.length === 0) continue;
    const read = await readEnvironmentStatus(client, repository, environments.map((environment) => ({
      name: environment,
      branch: lookup.config.environments[environment]?.branch ?? "HEAD",
      approvals: approvalPolicy(lookup.config, environment) !== undefined,
    })));

    // The latest pin or unpin of each image per environment, then what the manifests on the branch say now.
    const latest = environments.map((_, index) => {
      const seen = new Map<string, { pullRequest: ListedPullRequest; metadata: BenderMetadata }>();
      for (const pullRequest of read.environments[index]?.merged ?? []) {
        const decoded = decodeMetadata(pullRequest.body);
        if (decoded.ok && !seen.has(decoded.metadata.repository)) seen.set(decoded.metadata.repository, { pullRequest, metadata: decoded.metadata });
      }
      return seen;
    });
    const running = await readRunningVersions(context.services.engine ?? inlineEngine, client, repository, environments.map((environment, index) => ({
      branch: lookup.config.environments[environment]?.branch ?? "HEAD",
      images: [...(latest[index]?.values() ?? [])].map(({ metadata }) => ({ repository: metadata.repository, files: [...new Set(metadata.changes.map((change) => change.file))] })),
    })));

    for (const [index, environment] of environments.entries()) {
      lines.push(`*${escapeMrkdwn(environment)}* (${escapeMrkdwn(repository)})`);
      const status = read.environments[index];
      const holds = parseHolds(status?.holdsText);
      for (const { pullRequest, metadata } of latest[index]?.values() ?? []) {
        const hold = findHold(holds, environment, metadata.repository);
        // An unpin put back (and holds) its `version`; its `reference` is what it removed.
        const pinnedVersion = metadata.kind === "proposal" ? (metadata.tag ?? metadata.reference) : metadata.version;
        const now = running.get(`${index}:${metadata.repository}`) ?? [];
        const runs = now.length === 0 ? `${escapeMrkdwn(pinnedVersion)} (not found in the manifests now)` : now.map(escapeMrkdwn).join(", ");
        const verb = metadata.kind === "proposal" ? "pinned" : "unpinned";
        const held = hold && hold !== "unreadable" ? `, held at ${escapeMrkdwn(hold.version ?? "its version")}${hold.by ? ` by ${escapeMrkdwn(hold.by)}` : ""}` : "";
        lines.push(`• ${escapeMrkdwn(metadata.repository)}: runs ${runs} (last ${verb} <${pullRequest.url}|#${pullRequest.number}> by ${actor(pullRequest)})${held}`);
      }
      lines.push(...clusterStatusLines(environment, read.deployments));
      if (!holds.ok) lines.push(`• ${HOLDS_PATH} cannot be read: automation is held`);
      lines.push(...releasePolicyLines(lookup.config, environment, context.now().getTime(), status?.freezesText));
      for (const pullRequest of status?.open ?? []) lines.push(`• open: <${pullRequest.url}|${escapeMrkdwn(pullRequest.title)}>${pendingApprovals(lookup.config, environment, context.now().getTime(), pullRequest)}`);
      if ((latest[index]?.size ?? 0) === 0 && (status?.open ?? []).length === 0) lines.push("• nothing pinned or proposed by Bender yet");
    }
  }
  return lines.length > 0 ? clamp(lines) : only ? `No environment named ${escapeMrkdwn(only)}.` : "No manifest repository found.";
}

/** ", approvals 1 of 2: <@alice>" for an open proposal where approvals count; "" elsewhere. */
function pendingApprovals(config: BenderConfig, environment: string, now: number, pullRequest: ListedPullRequest): string {
  if (pullRequest.headOid === undefined) return "";
  const decoded = decodeMetadata(pullRequest.body);
  const author = decoded.ok && decoded.metadata.kind === "proposal" ? decoded.metadata.source?.author : undefined;
  const progress = approvalProgress(config, environment, now, { headOid: pullRequest.headOid, comments: pullRequest.comments }, author);
  return progress === undefined ? "" : `, approvals ${tallyText(progress)}`;
}

/** A value as a person names a version: the tag, or a short digest, or the value itself. */
function versionOf(value: string): string {
  if (/^sha(?:256|384|512):/.test(value)) return shortDigest(value);
  const parsed = parseReference(value.slice(value.indexOf("=") + 1));
  if (parsed.ok && (parsed.reference.tag !== undefined || parsed.reference.digest !== undefined)) {
    return parsed.reference.tag ?? shortDigest(parsed.reference.digest ?? "");
  }
  return value;
}

/**
 * What the manifests on each environment's branch say each image runs: the
 * files its last pin touched, read in one query, and the engine's
 * `findReferences` on them (through the engine, off the event loop). Keyed by `<environment index>:<repository>`.
 */
async function readRunningVersions(
  engine: ManifestEngine,
  client: InstallationClient,
  repository: string,
  environments: readonly { branch: string; images: readonly { repository: string; files: readonly string[] }[] }[],
): Promise<Map<string, string[]>> {
  const wanted: { key: string; image: string; path: string }[] = [];
  for (const [index, environment] of environments.entries()) {
    for (const image of environment.images) {
      for (const path of image.files) wanted.push({ key: `${index}:${image.repository}`, image: image.repository, path: `${environment.branch}:${path}` });
    }
  }
  const running = new Map<string, string[]>();
  if (wanted.length === 0) return running;
  const texts = await readFileTexts(client, repository, wanted.map((entry) => entry.path));
  const found: { key: string; image: ReturnType<typeof parseReference>; file: { path: string; text: string } }[] = [];
  for (const [index, entry] of wanted.entries()) {
    const text = texts[index];
    if (typeof text === "string") found.push({ key: entry.key, image: parseReference(entry.image), file: { path: entry.path.slice(entry.path.indexOf(":") + 1), text } });
  }
  // One engine call for every file, so the pool's workers share them.
  const readable = found.flatMap(({ key, image, file }) => (image.ok ? [{ key, file: { ...file, image: image.reference } }] : []));
  const answers = await referencesIn(engine, readable.map(({ file }) => file));
  for (const [index, { key }] of readable.entries()) {
    const versions = running.get(key) ?? [];
    for (const reference of answers[index] ?? []) {
      const version = versionOf(reference.value);
      if (!versions.includes(version)) versions.push(version);
    }
    running.set(key, versions);
  }
  return running;
}

/**
 * The last pins and unpins of an image, newest first, from merged Bender PRs.
 *
 * 1. Parse the image; a bad one is answered with the reason.
 * 2. For each manifest repository, read its merged Bender PRs (`readMergedProposals`).
 * 3. Keep those of the image (and environment), rendered with who and when.
 */
async function history(context: SlackContext, image: string, only: string | undefined): Promise<string> {
  const parsed = parseReference(image);
  if (!parsed.ok) return `\`${escapeMrkdwn(image)}\` is not an image: ${escapeMrkdwn(parsed.error.message)}`;
  const lines: string[] = [];
  for (const { repository, client } of await installedManifestRepositories(context.services, context.log)) {
    for (const pullRequest of await readMergedProposals(client, repository, only)) {
      const decoded = decodeMetadata(pullRequest.body);
      if (!decoded.ok || decoded.metadata.repository !== parsed.reference.repository) continue;
      if (only && decoded.metadata.environment !== only) continue;
      const verb = decoded.metadata.kind === "proposal" ? "pinned" : "unpinned";
      const who = actor(pullRequest);
      const when = pullRequest.mergedAt ? ` at ${pullRequest.mergedAt}` : "";
      lines.push(`• ${escapeMrkdwn(decoded.metadata.environment)}: ${verb} ${escapeMrkdwn(decoded.metadata.reference)} by ${who}${when} (<${pullRequest.url}|#${pullRequest.number}>)`);
    }
  }
  return lines.length > 0 ? clamp(lines) : `No pins or unpins of ${escapeMrkdwn(image)} yet.`;
}
