import { familiarRepository, parseReference, shortDigest } from "../image-ref/index.js";
import type { Change } from "../manifests/index.js";
import type { Hold } from "./holds.js";
import { HOLDS_PATH } from "./holds.js";
import { codeCell, escapeMarkdown } from "./markdown.js";
import { withMetadata } from "./metadata.js";
import type { ProposalMetadata, UnpinMetadata } from "./metadata.js";
import type { UnpinConflict } from "./plan-unpin.js";
import { versionLabel } from "./render-proposal.js";

export interface UnpinRendering {
  readonly pinned: ProposalMetadata;
  readonly pinnedPullRequest: { readonly number: number; readonly url: string };
  readonly version: string;
  readonly hold: Hold;
  readonly restored: readonly Change[];
  readonly conflicts: readonly UnpinConflict[];
  readonly metadata: UnpinMetadata;
  readonly webUrl: string;
  /** Said in the body when the holds file could not be read before this unpin wrote it. */
  readonly holdsProblem?: string | undefined;
}

const MAX_ROWS = 200;
const MAX_CONFLICTS = 20;
const DIGEST = /^[a-z0-9]+:[0-9a-f]{32,}$/;

/** `Unpin ghcr.io/acme/api 1.4.1 from production (back to 1.4.0)`. */
export function unpinTitle(pinned: ProposalMetadata, version: string): string {
  return `Unpin ${repositoryName(pinned.repository)} ${pinnedVersion(pinned)} from ${pinned.environment} (back to ${versionText(version)})`;
}

/** The commit message: the title, then one line a restored value, then the PR it undoes. */
export function unpinCommitMessage(rendering: UnpinRendering): { headline: string; body: string } {
  const lines = rendering.restored.map((change) => `${change.file}:${change.line} ${change.before} -> ${change.after}`);
  return {
    headline: unpinTitle(rendering.pinned, rendering.version),
    body: [...lines, "", `Unpins #${rendering.pinnedPullRequest.number}; holds ${rendering.pinned.repository} at ${rendering.version} in ${rendering.pinned.environment}.`].join("\n"),
  };
}

/**
 * The unpin PR's body, drawn from the restore's result. As in a proposal's
 * body, values sit in code spans, prose is escaped and links are built only
 * from fields Bender checked.
 */
export function unpinBody(rendering: UnpinRendering): string {
  const { pinned, hold, restored, conflicts } = rendering;
  const repository = repositoryName(pinned.repository);
  const lines: string[] = [
    `Bender unpins **${escapeMarkdown(repository)}** ${codeCell(pinnedVersion(pinned))} from **${escapeMarkdown(pinned.environment)}**: this pull request puts back the values ${escapeMarkdown(`#${rendering.pinnedPullRequest.number}`)} replaced and holds the image at ${codeCell(rendering.version)} there.`,
    "",
    "| File | Line | Pinned | Restored |",
    "|---|---:|---|---|",
  ];
  for (const change of restored.slice(0, MAX_ROWS)) {
    lines.push(`| ${codeCell(change.file)} | ${change.line} | ${codeCell(change.before)} | ${codeCell(change.after)} |`);
  }
  if (restored.length > MAX_ROWS) lines.push(`| … | | ${restored.length - MAX_ROWS} more values | |`);
  lines.push("");
  lines.push(`- Unpins: ${pullRequestLink(rendering)}`);
  lines.push(`- Unpinned by ${escapeMarkdown(hold.by ?? "someone")}${hold.at ? ` at ${escapeMarkdown(hold.at)}` : ""}`);
  if (hold.reason) lines.push(`- Reason: ${escapeMarkdown(hold.reason)}`);
  lines.push(
    `- Held: ${codeCell(HOLDS_PATH)} holds ${codeCell(pinned.repository)} at ${codeCell(rendering.version)} in **${escapeMarkdown(pinned.environment)}**; automation will not move it there until someone pins again (or deletes the entry).`,
  );
  if (rendering.holdsProblem) lines.push(`- Check ${codeCell(HOLDS_PATH)}: before this unpin it could not be read (${escapeMarkdown(rendering.holdsProblem)}).`);
  for (const conflict of conflicts.slice(0, MAX_CONFLICTS)) {
    const found = conflict.found === undefined ? "nothing" : codeCell(conflict.found);
    lines.push(
      `- Not restored: ${codeCell(conflict.file)} line ${conflict.line} (${codeCell(conflict.yamlPath)}): the pin wrote ${codeCell(conflict.expected)}, it reads ${found} now; ${escapeMarkdown(conflict.reason)}.`,
    );
  }
  if (conflicts.length > MAX_CONFLICTS) lines.push(`- Not restored: ${conflicts.length - MAX_CONFLICTS} more values`);
  return withMetadata(lines.join("\n"), rendering.metadata);
}

function pinnedVersion(pinned: ProposalMetadata): string {
  return versionLabel({ tag: pinned.tag, digest: pinned.digest });
}

function repositoryName(repository: string): string {
  const parsed = parseReference(repository);
  return parsed.ok ? familiarRepository(parsed.reference) : repository;
}

/** A version as a person reads it: a tag as is, a digest short, a whole reference by its tag (or short digest). */
function versionText(version: string): string {
  if (DIGEST.test(version)) return shortDigest(version);
  const parsed = parseReference(version.slice(version.indexOf("=") + 1));
  if (parsed.ok && (parsed.reference.tag !== undefined || parsed.reference.digest !== undefined)) return versionLabel(parsed.reference);
  return version;
}

/** `[#42](url)`, linked only when the URL is the pull request's on this GitHub. */
function pullRequestLink(rendering: UnpinRendering): string {
  const { url, number } = rendering.pinnedPullRequest;
  const label = `\\#${number}`;
  const expected = /^(?<base>https?:\/\/[^/\s]+)\/[\w.-]+\/[\w.-]+\/pull\/(?<number>\d+)$/.exec(url);
  if (!expected?.groups || expected.groups.base !== rendering.webUrl.replace(/\/+$/, "") || Number(expected.groups.number) !== number) return label;
  return `[${label}](${url})`;
}
