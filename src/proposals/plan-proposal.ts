import type { Build } from "../builds/build.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { parseReference } from "../image-ref/index.js";
import { bumpFile } from "../manifests/index.js";
import type { Change, FileOutcome, Skipped } from "../manifests/index.js";
import { HOLDS_PATH, findHold, renderHolds, withoutHold } from "./holds.js";
import type { HoldsFile } from "./holds.js";
import type { ProposalMetadata } from "./metadata.js";
import { commitMessage, proposalBody, proposalTitle, referenceText } from "./render-proposal.js";
import { isOlderVersion } from "./version-order.js";

/** What an environment's branch looks like, as read from GitHub (or a test). */
export interface EnvironmentSnapshot {
  readonly environment: string;
  readonly config: EnvironmentConfig;
  readonly baseBranch: string;
  /** The manifest files the environment owns, with their text. */
  readonly files: readonly { readonly path: string; readonly text: string }[];
  /** Files that could not be read (too large, binary…). */
  readonly unreadable: readonly Skipped[];
  readonly holds: HoldsFile;
  /**
   * Why the release policy says not now (a freeze, outside the deploy
   * windows, a blackout; src/policy's canPinNow message): automatic pins wait.
   */
  readonly notNow?: string | undefined;
  /** The open proposal for this (environment, image), if there is one. */
  readonly openProposal?:
    | {
        readonly metadata: ProposalMetadata | undefined;
        readonly metadataProblem?: string | undefined;
        /**
         * The reference the proposal's branch holds (its head commit's trailer). A writer moves the branch before it
         * rewrites the PR, so for a moment the two differ: the newer of them is what the proposal stands for.
         */
        readonly branchReference?: string | undefined;
      }
    | undefined;
  /** What the last proposal closed without merging proposed (a dismissal), if readable. */
  readonly dismissed?: { readonly metadata: ProposalMetadata; readonly url: string } | undefined;
}

export type NoProposalReason = "no-reference" | "already-current" | "same-build-proposed" | "older-version" | "older-than-running" | "dismissed";

export type ProposalPlan =
  | { readonly action: "none"; readonly reason: NoProposalReason; readonly detail: string; readonly skipped: readonly Skipped[] }
  /**
   * The open proposal already holds this build but was left half-done (a
   * write cut off before its automatic pin, or its labels): pin it now, at the
   * head that was read (the caller adds missing labels).
   */
  /** The open proposal is older than what the environment's branch runs: merging it would move the environment backwards. */
  | { readonly action: "close"; readonly detail: string; readonly skipped: readonly Skipped[]; readonly title: string; readonly metadata: ProposalMetadata; readonly comment: string }
  | {
      readonly action: "finish";
      readonly detail: string;
      readonly skipped: readonly Skipped[];
      readonly title: string;
      readonly metadata: ProposalMetadata;
      /** Merge it (at the head read); false when only its labels are missing. */
      readonly pin: boolean;
    }
  | {
      readonly action: "open" | "supersede";
      readonly changes: readonly Change[];
      readonly skipped: readonly Skipped[];
      /** Full new contents of each changed file (and of the holds file, when pinning releases a hold). */
      readonly files: readonly { readonly path: string; readonly contents: string }[];
      readonly title: string;
      readonly body: string;
      readonly commit: { readonly headline: string; readonly body: string };
      readonly metadata: ProposalMetadata;
      /** Merge at once: the environment pins automatically and nothing holds it. */
      readonly autoPin: boolean;
      /** Why automation may not pin, when the environment would otherwise. */
      readonly heldBecause?: string | undefined;
      /** Why Pin is closed now (a freeze, outside the windows), in an environment pinned by people: its message says so. */
      readonly pinClosed?: string | undefined;
    };

/** Same repository and tag, and the digest too when the new build names one. */
function sameBuild(proposed: ProposalMetadata, build: Build): boolean {
  return (
    proposed.repository === build.image.repository &&
    proposed.tag === build.image.tag &&
    (build.image.digest === undefined || proposed.digest === build.image.digest)
  );
}

/** The files of a snapshot the engine reads for a proposal: all but Bender's own holds file. */
export function proposalFiles(snapshot: EnvironmentSnapshot): { readonly path: string; readonly text: string }[] {
  // Bender's own file: its `repository` beside `version` must never read as Helm values.
  return snapshot.files.filter((file) => file.path !== HOLDS_PATH);
}

/**
 * Decides what one build means for one environment (`decideProposal` over
 * `bumpFile` of each of `proposalFiles`, on the spot: tests and tools; the
 * server runs the engine off its event loop, then decides).
 */
export function planProposal(build: Build, snapshot: EnvironmentSnapshot, webUrl: string): ProposalPlan {
  const outcomes = proposalFiles(snapshot).map((file) => bumpFile(file.path, file.text, build.image));
  return decideProposal(build, snapshot, outcomes, webUrl);
}

/**
 * Decides what one build means for one environment, from the engine's
 * outcome for each of `proposalFiles(snapshot)`, in that order.
 *
 * 1. Gather the engine's changes and skips over the environment's files.
 * 2. No reference to the image, or every one already current: no proposal.
 * 3. An open proposal for the same build, or for a newer version: leave it;
 *    a build someone dismissed is not proposed again.
 * 4. Otherwise open a proposal, or supersede the open one, and say whether
 *    to pin at once (automatic pinning, and no hold on the image here). A
 *    held image's proposal also removes the hold, so pinning it (a person
 *    merging it) releases the hold in the same commit.
 */
export function decideProposal(build: Build, snapshot: EnvironmentSnapshot, outcomes: readonly FileOutcome[], webUrl: string): ProposalPlan {
  const changes: Change[] = [];
  const skipped: Skipped[] = [...snapshot.unreadable];
  const files: { path: string; contents: string }[] = [];
  let references = 0;
  for (const [index, file] of proposalFiles(snapshot).entries()) {
    const outcome = outcomes[index];
    if (!outcome) throw new Error(`no engine outcome for ${file.path}`);
    changes.push(...outcome.changes);
    skipped.push(...outcome.skipped);
    if (outcome.text !== undefined) files.push({ path: file.path, contents: outcome.text });
    references += outcome.changes.length + (outcome.current ?? 0) + outcome.skipped.filter((skip) => skip.line !== undefined).length;
  }

  const proposed = snapshot.openProposal?.metadata;
  const branchReference = snapshot.openProposal?.branchReference;
  const branchTag = branchReference === undefined ? undefined : tagOfValue("container", branchReference);
  // Another writer moved the branch and has not rewritten the PR yet: a build older than what the branch holds waits.
  if (proposed && branchReference !== proposed.reference && isOlderVersion(build.image.tag, branchTag)) {
    return { action: "none", reason: "older-version", detail: `${build.image.tag ?? ""} is older than the proposed ${branchTag ?? ""}`, skipped };
  }
  const branchAgrees = branchReference === undefined || branchReference === proposed?.reference;
  // Automation never moves an environment backwards: a build older than what its branch runs is not proposed.
  const running = changes.map((change) => tagOfValue(change.kind, change.before)).find((tag) => isOlderVersion(build.image.tag, tag));
  const hold = findHold(snapshot.holds, snapshot.environment, build.image.repository);
  if (proposed && running !== undefined && (sameBuild(proposed, build) || isOlderVersion(proposed.tag, running))) {
    const detail = `the open proposal for ${proposed.reference} is older than the ${running} that ${snapshot.environment} runs`;
    const comment = `Closed by Bender: \`${snapshot.environment}\` already runs \`${running}\`, newer than this proposal; merging it would move the environment backwards.`;
    return { action: "close", detail, skipped, title: proposalTitle(build.image, snapshot.environment), metadata: proposed, comment };
  }
  if (proposed && sameBuild(proposed, build) && branchAgrees) {
    if (snapshot.config.autoPin && hold === undefined && snapshot.notNow === undefined && running === undefined && changes.length > 0) {
      // Pins automatically, nothing holds it, and it is still ahead of the branch: a write stopped before its pin.
      const detail = `an open proposal for ${proposed.reference} was not pinned yet`;
      return { action: "finish", detail, skipped, title: proposalTitle(build.image, snapshot.environment), metadata: proposed, pin: true };
    }
    return { action: "none", reason: "same-build-proposed", detail: `an open proposal already pins ${proposed.reference}`, skipped };
  }
  const dismissed = snapshot.dismissed;
  if (!snapshot.openProposal && dismissed && sameBuild(dismissed.metadata, build)) {
    return { action: "none", reason: "dismissed", detail: `${dismissed.metadata.reference} was dismissed (${dismissed.url})`, skipped };
  }
  if (proposed && isOlderVersion(build.image.tag, proposed.tag)) {
    return { action: "none", reason: "older-version", detail: `${build.image.tag} is older than the proposed ${proposed.tag}`, skipped };
  }
  if (running !== undefined) {
    return { action: "none", reason: "older-than-running", detail: `${build.image.tag ?? ""} is older than the ${running} that ${snapshot.environment} runs`, skipped };
  }
  if (changes.length === 0) {
    const reason = references === 0 ? "no-reference" : "already-current";
    const detail = references === 0 ? `no manifest of ${snapshot.environment} refers to ${build.image.repository}` : `${snapshot.environment} already runs ${referenceText(build.image)}`;
    return { action: "none", reason, detail, skipped };
  }

  const heldBecause =
    hold === undefined
      ? snapshot.config.autoPin
        ? snapshot.notNow
        : undefined
      : hold === "unreadable"
        ? "the holds file cannot be read, so automation does not move this environment"
        : `held at ${hold.version ?? "its current version"}${hold.by ? ` by ${hold.by}` : ""}${hold.reason ? ` (${hold.reason})` : ""}`;
  const released = releasedHolds(snapshot, build.image.repository, hold);
  if (released !== undefined) files.push({ path: HOLDS_PATH, contents: released });
  const metadata: ProposalMetadata = {
    bender: 1,
    kind: "proposal",
    environment: snapshot.environment,
    repository: build.image.repository,
    reference: referenceText(build.image),
    ...(build.image.tag === undefined ? {} : { tag: build.image.tag }),
    ...(build.image.digest === undefined ? {} : { digest: build.image.digest }),
    baseBranch: snapshot.baseBranch,
    ...(build.source ? { source: { ...build.source } } : {}),
    changes: changes.map(({ file, line, kind, before, after, document, yamlPath }) => ({ file, line, kind, before, after, document, yamlPath })),
    // A superseded proposal keeps its Slack message: the message is updated in place.
    ...(proposed?.slack ? { slack: proposed.slack } : {}),
  };
  const commit = commitMessage(build.image, snapshot.environment, changes);
  return {
    action: snapshot.openProposal ? "supersede" : "open",
    changes,
    skipped,
    files,
    title: proposalTitle(build.image, snapshot.environment),
    body: proposalBody({ build, environment: snapshot.environment, changes, skipped, metadata, webUrl, hold: heldBecause, releasesHold: released !== undefined }),
    commit: { headline: commit.headline, body: `${commit.body}\n\n${TRAILER}${metadata.reference}` },
    metadata,
    autoPin: snapshot.config.autoPin && heldBecause === undefined,
    heldBecause,
    pinClosed: snapshot.config.autoPin ? undefined : snapshot.notNow,
  };
}

/** The holds file without the hold on this (environment, image), when one holds it; an unreadable file is left as it is. */
function releasedHolds(snapshot: EnvironmentSnapshot, repository: string, hold: ReturnType<typeof findHold>): string | undefined {
  if (hold === undefined || hold === "unreadable" || !snapshot.holds.ok) return undefined;
  return withoutHold(snapshot.holds.text ?? renderHolds(snapshot.holds.holds), snapshot.environment, repository);
}

/** The tag a changed value held before: the value itself for tag fields, the reference's tag for image fields; none for digests. */
function tagOfValue(kind: Change["kind"], before: string): string | undefined {
  if (kind === "helm-digest" || kind === "kustomize-digest") return undefined;
  if (kind === "helm-tag" || kind === "kustomize-tag" || kind === "marker-tag") return before.split("@")[0];
  const parsed = parseReference(before.slice(before.indexOf("=") + 1));
  return parsed.ok ? parsed.reference.tag : undefined;
}

const TRAILER = "Bender-Reference: ";

/** The reference a proposal commit's message names in its trailer (`Bender-Reference: ghcr.io/acme/api:1.4.1`). */
export function referenceTrailer(message: string | undefined): string | undefined {
  const line = message?.split("\n").find((candidate) => candidate.startsWith(TRAILER));
  return line?.slice(TRAILER.length).trim() || undefined;
}
