import { parseReference } from "../image-ref/index.js";
import { restoreValues } from "../manifests/index.js";
import type { Change, RestoreConflict, RestoreOutcome } from "../manifests/index.js";
import { HOLDS_PATH, parseHolds, withHold } from "./holds.js";
import type { Hold } from "./holds.js";
import type { ProposalMetadata, UnpinMetadata } from "./metadata.js";
import { unpinBody, unpinCommitMessage, unpinTitle } from "./render-unpin.js";

export interface UnpinInput {
  /** The metadata of the pinned (merged) proposal. */
  readonly pinned: ProposalMetadata;
  readonly pinnedPullRequest: { readonly number: number; readonly url: string };
  /** Current text, on the environment's branch, of the files the metadata names (a file missing here is gone). */
  readonly files: readonly { readonly path: string; readonly text: string }[];
  /** `.bender/holds.yml` on that branch; undefined when there is none. */
  readonly holdsText: string | undefined;
  /** Who unpins, as the hold and the PR body name them. */
  readonly by: string;
  /** When, as an ISO time. */
  readonly at: string;
  readonly reason?: string | undefined;
  /** Web base URL (https://github.com, or the GitHub Enterprise host) for links. */
  readonly webUrl: string;
}

/** A recorded value that was not restored: the file it is in, and why. */
export type UnpinConflict = RestoreConflict & { readonly file: string };

export type UnpinPlan =
  | {
      readonly action: "none";
      readonly reason: "nothing-to-restore" | "conflict";
      readonly detail: string;
      readonly conflicts: readonly UnpinConflict[];
    }
  | {
      readonly action: "unpin";
      /** Full new contents of each restored file, and of the holds file. */
      readonly files: readonly { readonly path: string; readonly contents: string }[];
      readonly title: string;
      readonly body: string;
      readonly commit: { readonly headline: string; readonly body: string };
      readonly restored: readonly Change[];
      /** Values changed since the pin: left alone and listed in the body. */
      readonly conflicts: readonly UnpinConflict[];
      /** The version put back, as the hold records it. */
      readonly version: string;
      readonly hold: Hold;
      readonly metadata: UnpinMetadata;
    };

/** The manifest files an unpin reads with the engine: those the pin changed that are still there (never the holds file). */
export function unpinFiles(input: UnpinInput): { readonly path: string; readonly text: string }[] {
  const paths = new Set(input.pinned.changes.map((change) => change.file));
  paths.delete(HOLDS_PATH);
  return [...paths].flatMap((path) => {
    const file = input.files.find((candidate) => candidate.path === path);
    return file ? [file] : [];
  });
}

/**
 * Plans the unpin of a pinned proposal (`decideUnpin` over `restoreValues`
 * of each of `unpinFiles`, on the spot: tests and tools; the server runs the
 * engine off its event loop, then decides).
 */
export function planUnpin(input: UnpinInput): UnpinPlan {
  const outcomes = unpinFiles(input).map((file) => restoreValues(file.path, file.text, input.pinned.changes));
  return decideUnpin(input, outcomes);
}

/**
 * Plans the unpin of a pinned proposal in its environment, from the engine's
 * `restoreValues` outcome for each of `unpinFiles(input)`, in that order.
 *
 * 1. Restore each recorded value that still reads as the pin wrote it; one
 *    changed since is a conflict, left alone.
 * 2. Nothing restored: say whether it was all restored already or all changed.
 * 3. Hold the image at the restored version, in the same commit.
 * 4. Draw title, body (with the conflicts), commit message and metadata from
 *    that one result.
 */
export function decideUnpin(input: UnpinInput, outcomes: readonly RestoreOutcome[]): UnpinPlan {
  const { pinned } = input;
  const restored: Change[] = [];
  const conflicts: UnpinConflict[] = [];
  const files: { path: string; contents: string }[] = [];
  const read = new Map(unpinFiles(input).map((file, index) => [file.path, outcomes[index]]));
  for (const path of new Set(pinned.changes.map((change) => change.file))) {
    const outcome = read.get(path);
    if (!outcome) {
      for (const change of pinned.changes.filter((recorded) => recorded.file === path)) {
        // The holds file is Bender's and is written below; a record naming it is not a manifest's.
        const reason = path === HOLDS_PATH ? "the holds file is not a manifest" : `the file is no longer on ${pinned.baseBranch}`;
        conflicts.push({ file: path, line: change.line, yamlPath: change.yamlPath, expected: change.after, found: undefined, reason });
      }
      continue;
    }
    restored.push(...outcome.restored);
    conflicts.push(...outcome.conflicts.map((conflict) => ({ file: path, ...conflict })));
    if (outcome.text !== undefined) files.push({ path, contents: outcome.text });
  }

  const pin = `#${input.pinnedPullRequest.number}`;
  if (restored.length === 0) {
    if (conflicts.length === 0) {
      const detail = pinned.changes.length === 0 ? `${pin} recorded no changes to undo` : `every value ${pin} changed already holds its previous value in ${pinned.environment}`;
      return { action: "none", reason: "nothing-to-restore", detail, conflicts };
    }
    const first = conflicts[0];
    const example = first ? `; ${first.file} line ${first.line} should read ${first.expected} but reads ${first.found ?? "nothing"} (${first.reason})` : "";
    return { action: "none", reason: "conflict", detail: `every value ${pin} pinned has changed since, so nothing was restored${example}`, conflicts };
  }

  const version = heldVersion(restored);
  const hold: Hold = {
    environment: pinned.environment,
    repository: pinned.repository,
    version,
    by: input.by,
    at: input.at,
    ...(input.reason ? { reason: input.reason } : {}),
  };
  files.push({ path: HOLDS_PATH, contents: withHold(input.holdsText, hold) });
  const metadata: UnpinMetadata = {
    bender: 1,
    kind: "unpin",
    environment: pinned.environment,
    repository: pinned.repository,
    reference: pinned.reference,
    version,
    baseBranch: pinned.baseBranch,
    unpins: input.pinnedPullRequest.number,
    changes: restored.map(({ file, line, kind, before, after, document, yamlPath }) => ({ file, line, kind, before, after, document, yamlPath })),
  };
  const holds = parseHolds(input.holdsText);
  const rendering = { pinned, pinnedPullRequest: input.pinnedPullRequest, webUrl: input.webUrl, version, hold, restored, conflicts, metadata };
  return {
    action: "unpin",
    files,
    title: unpinTitle(pinned, version),
    body: unpinBody({ ...rendering, holdsProblem: holds.ok ? undefined : holds.reason }),
    commit: unpinCommitMessage(rendering),
    restored,
    conflicts,
    version,
    hold,
    metadata,
  };
}

/**
 * The version the environment goes back to: the tag every restored value
 * agrees on (a tag value, or the tag of a whole reference; digests do not
 * vote); otherwise the first restored value as written.
 */
export function heldVersion(restored: readonly Change[]): string {
  const tags = restored.flatMap((change) => {
    const tag = tagOf(change);
    return tag === undefined ? [] : [tag];
  });
  const [first] = tags;
  if (first !== undefined && tags.every((tag) => tag === first)) return first;
  return restored[0]?.after ?? "";
}

function tagOf(change: Change): string | undefined {
  switch (change.kind) {
    case "helm-tag":
    case "kustomize-tag":
    case "marker-tag":
      return change.after === "" ? undefined : change.after;
    case "helm-digest":
    case "kustomize-digest":
      return undefined;
    case "argocd-kustomize":
      return referenceTag(change.after.slice(change.after.indexOf("=") + 1));
    case "container":
    case "image-field":
    case "marker-image":
      return referenceTag(change.after);
  }
}

function referenceTag(value: string): string | undefined {
  const parsed = parseReference(value);
  return parsed.ok ? parsed.reference.tag : undefined;
}
