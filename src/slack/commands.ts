import { parseReference } from "../image-ref/index.js";
import { findHold, parseHolds, HOLDS_PATH } from "../proposals/holds.js";
import { decodeMetadata } from "../proposals/metadata.js";
import { runGraphql } from "../github/graphql-client.js";
import type { InstallationClient } from "../github/manifest-repositories.js";
import { escapeMrkdwn } from "./blocks/index.js";
import type { SlackContext } from "./slack-context.js";

export const COMMAND_HELP = [
  "*/bender status [environment]*: what each environment runs now, per image, with holds and open proposals",
  "*/bender history <image> [environment]*: the last pins and unpins, with who and when",
  "*/bender help*: this text",
].join("\n");

export interface CommandInvocation {
  readonly user: string;
  readonly text: string;
  readonly channel: string;
}

interface PullRequestNode {
  number: number;
  url: string;
  title: string;
  body: string;
  mergedAt: string | null;
  mergedBy: { login: string } | null;
  mergeCommit?: { messageBody: string } | null;
}

/** Who pinned or unpinned from Slack: GitHub names the App as the merger, the merge commit's trailer names the person. */
function actor(pullRequest: PullRequestNode): string {
  const trailer = /^(?:Pinned|Unpinned)-by: <@(?<user>[UW][A-Z0-9]+)>/m.exec(pullRequest.mergeCommit?.messageBody ?? "");
  if (trailer?.groups?.user) return `<@${trailer.groups.user}>`;
  return pullRequest.mergedBy ? escapeMrkdwn(pullRequest.mergedBy.login) : "someone";
}

interface EnvironmentStatusResponse {
  repository: {
    [alias: string]: { nodes?: PullRequestNode[]; text?: string | null } | null;
  } | null;
}

const LIMIT = 3000;

/** Answers `/bender …` ephemerally; the command is acknowledged before any of this runs. */
export async function handleCommand(context: SlackContext, invocation: CommandInvocation, respond: (text: string) => Promise<unknown>): Promise<void> {
  const [verb = "help", ...rest] = invocation.text.trim().split(/\s+/).filter(Boolean);
  try {
    if (verb === "status") return void (await respond(await status(context, rest[0])));
    if (verb === "history") {
      if (!rest[0]) return void (await respond("Usage: */bender history <image> [environment]*, e.g. `/bender history ghcr.io/acme/api production`"));
      return void (await respond(await history(context, rest[0], rest[1])));
    }
    if (verb !== "help") return void (await respond(`Unknown command \`${escapeMrkdwn(verb)}\`.\n${COMMAND_HELP}`));
    await respond(COMMAND_HELP);
  } catch (error) {
    context.log.error({ err: error, command: verb }, "command failed");
    await respond("Bender could not answer: GitHub could not be read. Try again in a moment.");
  }
}

async function manifestRepositories(context: SlackContext): Promise<{ repository: string; client: InstallationClient }[]> {
  const explicit = context.services.repositories.explicitList;
  if (!explicit) return context.services.installations.allManifestRepositories(context.services.repositories, context.log);
  const targets: { repository: string; client: InstallationClient }[] = [];
  for (const repository of explicit) {
    const client = await context.services.installations.forRepository(repository);
    if (client) targets.push({ repository, client });
  }
  return targets;
}

function clamp(lines: readonly string[]): string {
  const text = lines.join("\n");
  return text.length <= LIMIT ? text : `${text.slice(0, LIMIT - 20)}\n… (more not shown)`;
}

/**
 * Per environment: the images Bender has pinned there and the version each
 * last pin set, whether automation is held, and the open proposals — read in
 * one query per repository.
 */
async function status(context: SlackContext, only: string | undefined): Promise<string> {
  const lines: string[] = [];
  for (const { repository, client } of await manifestRepositories(context)) {
    const lookup = await context.services.configs.load(client, repository, context.log);
    if (lookup.kind !== "config") continue;
    const environments = Object.keys(lookup.config.environments).filter((name) => only === undefined || name === only);
    if (environments.length === 0) continue;
    const [owner = "", name = ""] = repository.split("/");
    const declarations = ["$owner: String!", "$name: String!"];
    const variables: Record<string, unknown> = { owner, name };
    const fields: string[] = [];
    for (const [index, environment] of environments.entries()) {
      const branch = lookup.config.environments[environment]?.branch ?? "HEAD";
      declarations.push(`$l${index}: [String!]`, `$h${index}: String!`);
      variables[`l${index}`] = [`bender/${environment}`];
      variables[`h${index}`] = `${branch}:${HOLDS_PATH}`;
      fields.push(`open${index}: pullRequests(labels: $l${index}, states: OPEN, first: 10) { nodes { number url title body mergedAt mergedBy { login } } }`);
      fields.push(`pinned${index}: pullRequests(labels: $l${index}, states: MERGED, first: 20, orderBy: { field: UPDATED_AT, direction: DESC }) { nodes { number url title body mergedAt mergedBy { login } mergeCommit { messageBody } } }`);
      fields.push(`holds${index}: object(expression: $h${index}) { ... on Blob { text } }`);
    }
    const query = `query BenderStatus(${declarations.join(", ")}) { repository(owner: $owner, name: $name) { ${fields.join(" ")} } }`;
    const result = await runGraphql<EnvironmentStatusResponse>(client, query, variables);
    const data = result.data?.repository ?? {};
    for (const [index, environment] of environments.entries()) {
      lines.push(`*${escapeMrkdwn(environment)}* (${escapeMrkdwn(repository)})`);
      const holds = parseHolds(data[`holds${index}`]?.text ?? undefined);
      const seen = new Set<string>();
      for (const pullRequest of data[`pinned${index}`]?.nodes ?? []) {
        const decoded = decodeMetadata(pullRequest.body);
        if (!decoded.ok || seen.has(decoded.metadata.repository)) continue;
        seen.add(decoded.metadata.repository);
        const hold = findHold(holds, environment, decoded.metadata.repository);
        // An unpin put back (and holds) its `version`; its `reference` is what it removed.
        const version = decoded.metadata.kind === "proposal" ? (decoded.metadata.tag ?? decoded.metadata.reference) : decoded.metadata.version;
        const held = hold && hold !== "unreadable" ? `, held at ${escapeMrkdwn(hold.version ?? "its version")}${hold.by ? ` by ${escapeMrkdwn(hold.by)}` : ""}` : "";
        const by = ` by ${actor(pullRequest)}`;
        lines.push(`• ${escapeMrkdwn(decoded.metadata.repository)}: ${escapeMrkdwn(version)} (<${pullRequest.url}|#${pullRequest.number}>${by})${held}`);
      }
      if (!holds.ok) lines.push(`• ${HOLDS_PATH} cannot be read: automation is held`);
      for (const pullRequest of data[`open${index}`]?.nodes ?? []) lines.push(`• open: <${pullRequest.url}|${escapeMrkdwn(pullRequest.title)}>`);
      if (seen.size === 0 && (data[`open${index}`]?.nodes ?? []).length === 0) lines.push("• nothing pinned or proposed by Bender yet");
    }
  }
  return lines.length > 0 ? clamp(lines) : only ? `No environment named ${escapeMrkdwn(only)}.` : "No manifest repository found.";
}

/** The last pins and unpins of an image, newest first, from merged Bender PRs. */
async function history(context: SlackContext, image: string, only: string | undefined): Promise<string> {
  const parsed = parseReference(image);
  if (!parsed.ok) return `\`${escapeMrkdwn(image)}\` is not an image: ${escapeMrkdwn(parsed.error.message)}`;
  const lines: string[] = [];
  for (const { repository, client } of await manifestRepositories(context)) {
    const [owner = "", name = ""] = repository.split("/");
    const query =
      "query BenderHistory($owner: String!, $name: String!, $labels: [String!]) { repository(owner: $owner, name: $name) { pullRequests(labels: $labels, states: MERGED, first: 50, orderBy: { field: UPDATED_AT, direction: DESC }) { nodes { number url title body mergedAt mergedBy { login } mergeCommit { messageBody } } } } }";
    const result = await runGraphql<{ repository: { pullRequests: { nodes: PullRequestNode[] } } | null }>(client, query, {
      owner,
      name,
      labels: [only ? `bender/${only}` : "bender"],
    });
    for (const pullRequest of result.data?.repository?.pullRequests.nodes ?? []) {
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
