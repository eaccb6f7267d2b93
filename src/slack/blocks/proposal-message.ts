import type { types } from "@slack/bolt";
import { ACTION_DISMISS, ACTION_PIN, ACTION_UNPIN } from "../model.js";
import type { MessageStatus, PinGateLine, ProposalView } from "../model.js";
import { approvalsLine } from "./approval-lines.js";
import { encodeButtonValue } from "./button-value.js";
import { SLACK_LIMITS } from "./limits.js";
import { clampMrkdwn, code, inert, link, mrkdwn, plainText, safeUrl, truncate, truncateStart } from "./mrkdwn.js";
import { clustersLine, dismissedStatusLine, pinnedLine, pinningLine, stalePinLine, unpinnedStatusLine } from "./thread-lines.js";
import { summarizeVersions } from "./versions.js";
import type { VersionSummary } from "./versions.js";

export interface ProposalMessage {
  /** The notification and accessibility fallback: one line, no mentions. */
  readonly text: string;
  readonly blocks: types.KnownBlock[];
}

export const ACTIONS_BLOCK_ID = "bender_actions";

const MAX_FILES_SHOWN = 10;
const MAX_VERSIONS_SHOWN = 5;

/**
 * The one Slack message of a proposal, drawn from the view alone:
 * 1. a header naming image, version and environment;
 * 2. what changes: environment, image, from → to, source;
 * 3. the files changed, capped;
 * 4. links to the pull request and its diff;
 * 5. the status, and the buttons that status allows.
 */
export function proposalMessage(view: ProposalView): ProposalMessage {
  const versions = summarizeVersions(view.metadata);
  const blocks: types.KnownBlock[] = [
    { type: "header", text: plainText(headerText(versions, view.environment), SLACK_LIMITS.headerText) },
    { type: "section", fields: summaryFields(view, versions) },
    { type: "section", text: mrkdwn(filesText(view)) },
  ];
  const links = linksText(view);
  if (links !== undefined) blocks.push({ type: "context", elements: [mrkdwn(links)] });
  blocks.push(...statusBlocks(view, versions));
  return { text: fallbackText(view, versions), blocks };
}

function headerText(versions: VersionSummary, environment: string): string {
  const rest = ` ${truncate(versions.to, 40)} for ${environment}`;
  return `${truncateStart(versions.image, SLACK_LIMITS.headerText - rest.length)}${rest}`;
}

function fromTo(versions: VersionSummary): string {
  const shown = versions.from.slice(0, MAX_VERSIONS_SHOWN).map((version) => code(version, 80));
  const more = versions.from.length - shown.length;
  const from = shown.length === 0 ? "" : `${shown.join(", ")}${more > 0 ? ` and ${more} more` : ""} → `;
  return `${from}${code(versions.to, 80)}`;
}

function summaryFields(view: ProposalView, versions: VersionSummary): types.MrkdwnElement[] {
  const fields = [
    mrkdwn(`*Environment*\n${code(view.environment, 40)}`),
    mrkdwn(`*Image*\n${code(versions.image, 300)}`),
    mrkdwn(`*Version*\n${fromTo(versions)}`),
  ];
  const source = sourceText(view);
  if (source !== undefined) fields.push(mrkdwn(`*Source*\n${source}`));
  return fields.map((field) => ({ ...field, text: clampMrkdwn(field.text, SLACK_LIMITS.sectionField) }));
}

const GITHUB_REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}\/[A-Za-z0-9._-]{1,100}$/;
const COMMIT = /^[0-9a-f]{7,64}$/;

/** The source commit, linked only when the repository and commit look like what they claim to be. */
function sourceText(view: ProposalView): string | undefined {
  const source = view.metadata.source;
  if (source === undefined) return undefined;
  const parts: string[] = [];
  const base = safeUrl(view.webUrl) === undefined ? undefined : view.webUrl.replace(/\/+$/, "");
  const repository = source.repository !== undefined && GITHUB_REPOSITORY.test(source.repository) ? source.repository : undefined;
  const commit = source.commit !== undefined && COMMIT.test(source.commit) ? source.commit : undefined;
  if (repository !== undefined && commit !== undefined && base !== undefined) {
    parts.push(link(`${base}/${repository}/commit/${commit}`, `${repository}@${commit.slice(0, 7)}`));
  } else if (source.commit !== undefined) {
    parts.push(code(source.commit.slice(0, 12)));
  }
  if (source.author !== undefined && source.author !== "") parts.push(`by ${inert(source.author, 80)}`);
  if (safeUrl(source.url) !== undefined) parts.push(`(${link(source.url, "build")})`);
  return parts.length > 0 ? parts.join(" ") : undefined;
}

/** The distinct files, in order, as many as fit in one section, then "and N more files". */
function filesText(view: ProposalView): string {
  const counts = new Map<string, number>();
  for (const change of view.metadata.changes) counts.set(change.file, (counts.get(change.file) ?? 0) + 1);
  const files = [...counts];
  const heading = `*${files.length === 1 ? "1 file" : `${files.length} files`} changed*`;
  if (files.length === 0) return `${heading}\n_none listed_`;
  const reserve = " …and 9999999 more files".length;
  let text = heading;
  let shown = 0;
  for (const [file, count] of files.slice(0, MAX_FILES_SHOWN)) {
    const line = `\n• ${code(truncateStart(file, 200), 200)}${count > 1 ? ` (${count} changes)` : ""}`;
    if (text.length + line.length + reserve > SLACK_LIMITS.sectionText) break;
    text += line;
    shown += 1;
  }
  const more = files.length - shown;
  if (more > 0) text += `\n…and ${more} more ${more === 1 ? "file" : "files"}`;
  return text;
}

function linksText(view: ProposalView): string | undefined {
  const url = safeUrl(view.pullRequest.url) === undefined ? undefined : view.pullRequest.url.replace(/\/+$/, "");
  if (url === undefined) return undefined;
  return `${link(url, `Pull request #${view.pullRequest.number}`)} · ${link(`${url}/files`, "Files changed")}`;
}

function statusBlocks(view: ProposalView, versions: VersionSummary): types.KnownBlock[] {
  const status = view.status;
  switch (status.kind) {
    case "proposed": {
      const blocks: types.KnownBlock[] = [];
      if (status.heldBecause !== undefined) {
        const why = inert(status.heldBecause.trim().replace(/\.+$/, ""), 1000);
        blocks.push({ type: "context", elements: [mrkdwn(`:double_vertical_bar: Automation will not pin this: ${why}. A person may still pin it.`)] });
      }
      if (status.pinGate !== undefined) blocks.push({ type: "context", elements: [mrkdwn(pinGateText(status.pinGate))] });
      if (status.approvals !== undefined) blocks.push({ type: "context", elements: [mrkdwn(clampMrkdwn(approvalsLine(status.approvals), SLACK_LIMITS.sectionText))] });
      blocks.push(actions([pinButton(view, versions, status.confirm), dismissButton(view)]));
      return blocks;
    }
    case "pinning":
      return [statusSection(pinningLine(status.by, status.detail))];
    case "pinned":
      return [
        statusSection(pinnedLine(status.by, status.via, status.at)),
        ...(status.clusters?.length ? [{ type: "context" as const, elements: [mrkdwn(clampMrkdwn(clustersLine(status.clusters), SLACK_LIMITS.sectionText))] }] : []),
        actions([unpinButton(view)]),
      ];
    case "unpinned":
      return [statusSection(unpinnedStatusLine(status.by, status.at, status.backTo, status.reason))];
    case "dismissed":
      return [statusSection(dismissedStatusLine(status.by, status.via, status.at))];
    case "stale-pin":
      return [statusSection(stalePinLine(status.laterPin))];
  }
}

function pinGateText(line: PinGateLine): string {
  if (line.open) return ":large_green_circle: Pin is open again.";
  return `:no_entry: Pin is closed: ${inert(line.why.trim().replace(/\.+$/, ""), 1000)}.`;
}

function statusSection(text: string): types.SectionBlock {
  return { type: "section", text: mrkdwn(clampMrkdwn(text, SLACK_LIMITS.sectionText)) };
}

function actions(elements: types.Button[]): types.ActionsBlock {
  return { type: "actions", block_id: ACTIONS_BLOCK_ID, elements };
}

function buttonValue(view: ProposalView): string {
  return encodeButtonValue({
    v: 1,
    repository: view.repository,
    number: view.pullRequest.number,
    head: view.pullRequest.headOid,
    environment: view.environment,
  });
}

function pinButton(view: ProposalView, versions: VersionSummary, confirm: boolean): types.Button {
  const button: types.Button = { type: "button", action_id: ACTION_PIN, text: plainText("Pin", SLACK_LIMITS.buttonText), style: "primary", value: buttonValue(view) };
  if (!confirm) return button;
  return {
    ...button,
    confirm: {
      title: plainText(`Pin to ${view.environment}?`, SLACK_LIMITS.confirmTitle),
      text: plainText(
        `This merges pull request #${view.pullRequest.number}: ${versions.image} ${versions.to} goes to ${view.environment}.`,
        SLACK_LIMITS.confirmText,
      ),
      confirm: plainText("Pin", SLACK_LIMITS.confirmButton),
      deny: plainText("Cancel", SLACK_LIMITS.confirmButton),
      style: "primary",
    },
  };
}

function dismissButton(view: ProposalView): types.Button {
  return { type: "button", action_id: ACTION_DISMISS, text: plainText("Dismiss", SLACK_LIMITS.buttonText), value: buttonValue(view) };
}

function unpinButton(view: ProposalView): types.Button {
  return { type: "button", action_id: ACTION_UNPIN, text: plainText("Unpin", SLACK_LIMITS.buttonText), style: "danger", value: buttonValue(view) };
}

const STATUS_WORDS: Record<MessageStatus["kind"], string> = {
  proposed: "waiting for a pin",
  pinning: "pins when checks pass",
  pinned: "pinned",
  unpinned: "unpinned",
  dismissed: "dismissed",
  "stale-pin": "pinned, since superseded",
};

function fallbackText(view: ProposalView, versions: VersionSummary): string {
  const from = versions.from.length === 1 ? `${truncate(versions.from[0] ?? "", 60)} → ` : "";
  const line = `${truncateStart(versions.image, 120)} ${from}${truncate(versions.to, 60)} for ${view.environment}: ${STATUS_WORDS[view.status.kind]}`;
  return inert(line, 300);
}
