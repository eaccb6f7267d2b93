import type { Build } from "../builds/build.js";
import { familiarRepository, shortDigest } from "../image-ref/index.js";
import type { ImageReference } from "../image-ref/index.js";
import type { Change, Skipped } from "../manifests/index.js";
import { HOLDS_PATH } from "./holds.js";
import { codeCell, escapeMarkdown } from "./markdown.js";
import { withMetadata } from "./metadata.js";
import type { ProposalMetadata } from "./metadata.js";

/** How a person names a version: the tag, or the short digest when there is no tag. */
export function versionLabel(image: Pick<ImageReference, "tag" | "digest">): string {
  if (image.tag !== undefined) return image.tag;
  return image.digest === undefined ? "latest" : shortDigest(image.digest);
}

/** `Pin ghcr.io/acme/api 1.4.1 to production`. */
export function proposalTitle(image: ImageReference, environment: string): string {
  return `Pin ${familiarRepository(image)} ${versionLabel(image)} to ${environment}`;
}

/** The commit message: the title, then one line a change. */
export function commitMessage(image: ImageReference, environment: string, changes: readonly Change[]): { headline: string; body: string } {
  return {
    headline: proposalTitle(image, environment),
    body: changes.map((change) => `${change.file}:${change.line} ${change.before} -> ${change.after}`).join("\n"),
  };
}

export interface ProposalBodyInput {
  readonly build: Build;
  readonly environment: string;
  readonly changes: readonly Change[];
  readonly skipped: readonly Skipped[];
  readonly metadata: ProposalMetadata;
  /** Web base URL (https://github.com, or the GitHub Enterprise host) for links. */
  readonly webUrl: string;
  /** Said in the body when automation may not pin this proposal. */
  readonly hold?: string | undefined;
  /** The proposal also removes the hold from the holds file, so pinning it releases the hold. */
  readonly releasesHold?: boolean | undefined;
}

const MAX_ROWS = 200;

/**
 * The PR body, drawn from the engine's result. Everything that came from a
 * payload or a file is escaped: values sit in code spans, prose is escaped,
 * links are built only from validated fields.
 */
export function proposalBody(input: ProposalBodyInput): string {
  const { build, environment, changes, skipped } = input;
  const image = build.image;
  const lines: string[] = [
    `Bender proposes to pin **${escapeMarkdown(familiarRepository(image))}** ${codeCell(versionLabel(image))} to **${escapeMarkdown(environment)}**. Merge this pull request to pin it; close it to dismiss it.`,
    "",
    "| File | Line | Before | After |",
    "|---|---:|---|---|",
  ];
  for (const change of changes.slice(0, MAX_ROWS)) {
    lines.push(`| ${codeCell(change.file)} | ${change.line} | ${codeCell(change.before)} | ${codeCell(change.after)} |`);
  }
  if (changes.length > MAX_ROWS) lines.push(`| … | | ${changes.length - MAX_ROWS} more changes | |`);
  lines.push("");
  if (image.digest !== undefined) lines.push(`- Digest: ${codeCell(image.digest)}`);
  const source = describeSource(build, input.webUrl);
  if (source) lines.push(`- Source: ${source}`);
  if (input.hold) lines.push(`- Held: ${escapeMarkdown(input.hold)}`);
  if (input.releasesHold) lines.push(`- Pinning releases the hold: this pull request also removes it from ${codeCell(HOLDS_PATH)}, so automation moves the image here again.`);
  for (const skip of skipped.slice(0, 20)) {
    lines.push(`- Not changed: ${codeCell(skip.file)}${skip.line === undefined ? "" : ` line ${skip.line}`}: ${escapeMarkdown(skip.reason)}`);
  }
  return withMetadata(lines.join("\n"), input.metadata);
}

function describeSource(build: Build, webUrl: string): string | undefined {
  const source = build.source;
  if (!source) return undefined;
  const parts: string[] = [];
  if (source.repository && source.commit) {
    parts.push(`[${escapeMarkdown(source.repository)}@${source.commit.slice(0, 7)}](${webUrl}/${source.repository}/commit/${source.commit})`);
  } else if (source.repository) {
    parts.push(`[${escapeMarkdown(source.repository)}](${webUrl}/${source.repository})`);
  }
  // Escaped, so the author is named without being pinged.
  if (source.author) parts.push(`by ${escapeMarkdown(`@${source.author}`)}`);
  if (source.url) parts.push(`([build](${encodeURI(source.url).replaceAll("(", "%28").replaceAll(")", "%29")}))`);
  return parts.length > 0 ? parts.join(" ") : undefined;
}

/** The comment left on a proposal when a newer build replaces it. */
export function supersededComment(previous: ProposalMetadata | undefined, build: Build): string {
  const from = previous ? codeCell(previous.reference) : "an earlier build (its metadata could not be read)";
  return `Superseded: this proposal now pins ${codeCell(referenceText(build.image))} instead of ${from}.`;
}

export function referenceText(image: ImageReference): string {
  return `${image.name}${image.tag === undefined ? "" : `:${image.tag}`}${image.digest === undefined ? "" : `@${image.digest}`}`;
}
