import picomatch from "picomatch";
import type { Logger } from "pino";
import type { Build } from "../builds/build.js";
import { environmentsFor, pathMatcher, tagAllowed } from "../config/index.js";
import type { BenderConfig } from "../config/schema.js";
import type { Skipped } from "../manifests/index.js";
import { proposalBranch } from "../proposals/branch-name.js";
import type { ProposalEventSink } from "../proposals/events.js";
import { parseHolds } from "../proposals/holds.js";
import { decodeMetadata } from "../proposals/metadata.js";
import type { ProposalMetadata } from "../proposals/metadata.js";
import { planProposal } from "../proposals/plan-proposal.js";
import type { EnvironmentSnapshot, ProposalPlan } from "../proposals/plan-proposal.js";
import { supersededComment } from "../proposals/render-proposal.js";
import type { BlobCache } from "./blob-cache.js";
import { failuresOf, runGraphql } from "./graphql-client.js";
import type { GraphqlClient, GraphqlResult } from "./graphql-client.js";
import { flattenTree, readObjectsQuery, readStateQuery } from "./read-state.js";
import type { EnvironmentRead, ProposalRefResponse, TreeEntryResponse, TreeFile } from "./read-state.js";
import { mutationDocument } from "./write-documents.js";
import type { WriteStep } from "./write-documents.js";

/** The world a proposal run talks to. */
export interface ProposeContext {
  readonly client: GraphqlClient;
  readonly owner: string;
  readonly repo: string;
  readonly config: BenderConfig;
  readonly webUrl: string;
  readonly blobs: BlobCache;
  readonly events: ProposalEventSink;
  readonly log: Logger;
  /** A short unique string, for temporary branch names. */
  readonly uniqueId: () => string;
}

/** What became of a build in one environment; the build webhook answers with these. */
export interface ProposalOutcome {
  readonly repository: string;
  readonly environment: string;
  readonly action: "opened" | "superseded" | "none" | "skipped" | "failed";
  readonly detail: string;
  readonly pullRequest?: { readonly number: number; readonly url: string } | undefined;
  readonly pinned?: boolean | undefined;
}

/** Stale heads and racing branches are planned again from a fresh read, this many times at most. */
export const MAX_ATTEMPTS = 3;
const MAX_FOLLOW_UP_READS = 4;
const OBJECTS_PER_READ = 100;
const YAML_FILE = /(?:\.ya?ml|\/Kustomization|^Kustomization)$/;
const LABEL_COLOR = "5319e7";
const MERGE_METHODS = { merge: "MERGE", squash: "SQUASH", rebase: "REBASE" } as const;

interface StateResponse {
  repository: {
    id: string;
    nameWithOwner: string;
    defaultBranchRef: { name: string; target: { oid: string } } | null;
    config: { oid: string } | null;
    [alias: string]: unknown;
  } | null;
}

interface EnvironmentState {
  readonly read: EnvironmentRead;
  readonly snapshot: EnvironmentSnapshot;
  readonly baseOid: string;
  readonly proposal: ProposalRefResponse | null;
  readonly openPullRequest: ProposalRefResponse["associatedPullRequests"]["nodes"][number] | undefined;
}

interface RepositoryState {
  readonly repositoryId: string;
  readonly nameWithOwner: string;
  readonly environments: readonly EnvironmentState[];
  /** Environments that cannot be planned here (their branch does not exist), with the reason. */
  readonly unplannable: readonly { readonly name: string; readonly detail: string }[];
  readonly labelIds: ReadonlyMap<string, string>;
}

/** The folder a configured path starts in: `clusters/prod-*\/**` is read from `clusters`. */
function folderOf(path: string): string {
  const base = picomatch.scan(path.replace(/^\.\//, "").replace(/\/+$/, "")).base;
  return base === "." ? "" : base;
}

function labelsFor(environment: string): string[] {
  return ["bender", `bender/${environment}`];
}

/**
 * Turns one build into proposals in one manifest repository.
 *
 * 1. Pick the environments the image may go to and whose policy accepts the tag.
 * 2. Read everything in one query (plus a follow-up for changed files only).
 * 3. Plan each environment with the manifest engine.
 * 4. Write: one document creates branches, commits and PRs; a second labels,
 *    pins new PRs automatically and moves superseded branches (only from the
 *    head that was read); a third rewrites, comments and pins the PRs whose
 *    branch moved.
 * 5. Environments that lost a race are planned again from a fresh read.
 */
export async function proposeBuild(build: Build, context: ProposeContext, attempt = 1, only?: ReadonlySet<string>): Promise<ProposalOutcome[]> {
  const repository = `${context.owner}/${context.repo}`;
  const outcomes: ProposalOutcome[] = [];
  const reads: EnvironmentRead[] = [];

  // 1. Environments and tag policy.
  const tag = tagAllowed(context.config, build.image);
  for (const name of environmentsFor(context.config, build.image)) {
    if (only && !only.has(name)) continue;
    const environment = context.config.environments[name];
    if (!environment) continue;
    if (!tag.ok) {
      outcomes.push({ repository, environment: name, action: "skipped", detail: tag.reason });
      continue;
    }
    reads.push({
      name,
      branch: environment.branch,
      folders: [...new Set(environment.paths.map(folderOf))],
      proposalRef: `refs/heads/${proposalBranch(name, build.image)}`,
    });
  }
  if (reads.length === 0) return outcomes;

  // 2. Read.
  const state = await readRepositoryState(context, reads);
  for (const { name, detail } of state.unplannable) outcomes.push({ repository, environment: name, action: "failed", detail });

  // 3. Plan.
  const planned = state.environments.map((environment) => ({
    environment,
    plan: planProposal(build, environment.snapshot, context.webUrl),
  }));
  for (const { environment, plan } of planned) {
    if (plan.action === "none") {
      outcomes.push({
        repository,
        environment: environment.read.name,
        action: "none",
        detail: plan.detail,
        ...(environment.openPullRequest ? { pullRequest: { number: environment.openPullRequest.number, url: environment.openPullRequest.url } } : {}),
      });
    }
  }
  const writes = planned.filter((entry): entry is { environment: EnvironmentState; plan: Extract<ProposalPlan, { action: "open" | "supersede" }> } => entry.plan.action !== "none");
  if (writes.length === 0) return outcomes;

  // 4. Write.
  const written = await writeProposals(context, build, state, writes);
  outcomes.push(...written.outcomes);

  // 5. Races: plan the losers again from a fresh read.
  if (written.retry.size > 0) {
    if (attempt >= MAX_ATTEMPTS) {
      for (const name of written.retry) {
        outcomes.push({ repository, environment: name, action: "failed", detail: `still racing another writer after ${MAX_ATTEMPTS} attempts; the next build will try again` });
      }
    } else {
      context.log.info({ environments: [...written.retry], attempt }, "proposal raced another writer; planning again");
      outcomes.push(...(await proposeBuild(build, context, attempt + 1, written.retry)));
    }
  }
  return outcomes;
}

async function readRepositoryState(context: ProposeContext, reads: readonly EnvironmentRead[]): Promise<RepositoryState> {
  const repositoryKey = `${context.owner}/${context.repo}`;
  const withText = !context.blobs.hasSeen(repositoryKey);
  const labels = [...new Set(reads.flatMap((read) => labelsFor(read.name)))];
  const { query, variables } = readStateQuery({ owner: context.owner, name: context.repo, environments: reads, labels, withText });
  const result = await runGraphql<StateResponse>(context.client, query, variables);
  const repository = result.data?.repository;
  if (!repository) {
    throw new Error(`cannot read ${repositoryKey}: ${result.failures.map((failure) => failure.message).join("; ") || "no such repository"}`);
  }
  const defaultBranch = repository.defaultBranchRef;
  if (!defaultBranch) throw new Error(`${repositoryKey} has no default branch (an empty repository?)`);

  // Files per environment; texts from the response, the cache, or a follow-up read.
  const perEnvironment = reads.map((read, index) => {
    const files: TreeFile[] = [];
    const deepTrees: { oid: string; path: string }[] = [];
    for (const [folderIndex, folder] of read.folders.entries()) {
      const tree = repository[`e${index}_t${folderIndex}`] as { entries?: TreeEntryResponse[] } | null | undefined;
      flattenTree(folder, tree?.entries, files, deepTrees);
    }
    return { read, index, files, deepTrees };
  });
  await completeTrees(context, perEnvironment);
  for (const entry of perEnvironment) {
    for (const file of entry.files) if (file.text !== undefined) context.blobs.set(file.oid, file.text);
  }
  await fetchMissingTexts(context, perEnvironment.flatMap((entry) => entry.files));
  context.blobs.markSeen(repositoryKey);

  const unplannable: { name: string; detail: string }[] = [];
  const environments = perEnvironment.flatMap(({ read, index, files }): EnvironmentState[] => {
    const environment = context.config.environments[read.name];
    if (!environment) throw new Error(`environment ${read.name} vanished from the config`);
    const branchRef = read.branch === undefined ? defaultBranch : (repository[`e${index}_branch`] as { name: string; target: { oid: string } } | null);
    // A config naming a branch that does not exist is this environment's problem, not the others'.
    if (!branchRef) {
      unplannable.push({ name: read.name, detail: `${repositoryKey} has no branch ${read.branch ?? ""} for environment ${read.name}` });
      return [];
    }
    const owns = pathMatcher(environment.paths);
    const unreadable: Skipped[] = [];
    const texts: { path: string; text: string }[] = [];
    const seen = new Set<string>();
    for (const file of files) {
      if (seen.has(file.path) || !owns(file.path) || !YAML_FILE.test(file.path)) continue;
      seen.add(file.path);
      const text = context.blobs.get(file.oid) ?? file.text;
      if (file.binary) unreadable.push({ file: file.path, code: "not-utf8", reason: "a binary file" });
      else if (file.truncated || text === undefined) unreadable.push({ file: file.path, code: "too-large", reason: "too large for GitHub's API to return its text" });
      else texts.push({ path: file.path, text });
    }
    const holds = repository[`e${index}_holds`] as { text?: string | null } | null;
    const proposal = repository[`e${index}_proposal`] as ProposalRefResponse | null;
    const openPullRequest = proposal?.associatedPullRequests.nodes[0];
    const decoded = openPullRequest ? decodeMetadata(openPullRequest.body) : undefined;
    if (decoded && !decoded.ok) context.log.warn({ pullRequest: openPullRequest?.url, reason: decoded.reason }, "proposal metadata ignored");
    const snapshot: EnvironmentSnapshot = {
      environment: read.name,
      config: environment,
      baseBranch: branchRef.name,
      files: texts.sort((a, b) => (a.path < b.path ? -1 : 1)),
      unreadable,
      holds: parseHolds(holds?.text ?? undefined),
      openProposal: openPullRequest
        ? { metadata: decoded?.ok ? decoded.metadata : undefined, metadataProblem: decoded?.ok ? undefined : decoded?.reason }
        : undefined,
    };
    return [{ read, snapshot, baseOid: branchRef.target.oid, proposal, openPullRequest }];
  });

  const labelIds = new Map<string, string>();
  for (const index of labels.keys()) {
    const label = repository[`l${index}`] as { id: string; name: string } | null;
    if (label) labelIds.set(label.name, label.id);
  }
  return { repositoryId: repository.id, nameWithOwner: repository.nameWithOwner, environments, unplannable, labelIds };
}

/** Reads subtrees the first query left at its depth limit, a bounded number of rounds. */
async function completeTrees(
  context: ProposeContext,
  entries: { files: TreeFile[]; deepTrees: { oid: string; path: string }[] }[],
): Promise<void> {
  for (let round = 0; round < MAX_FOLLOW_UP_READS; round++) {
    const pending = entries.flatMap((entry) => entry.deepTrees.splice(0).map((tree) => ({ entry, tree })));
    if (pending.length === 0) return;
    const { query, variables } = readObjectsQuery(context.owner, context.repo, [], pending.map(({ tree }) => tree.oid));
    const result = await runGraphql<{ repository: Record<string, { entries?: TreeEntryResponse[] } | null> }>(context.client, query, variables);
    for (const [index, { entry, tree }] of pending.entries()) {
      flattenTree(tree.path, result.data?.repository[`t${index}`]?.entries, entry.files, entry.deepTrees);
    }
  }
  const left = entries.reduce((count, entry) => count + entry.deepTrees.length, 0);
  if (left > 0) context.log.warn({ folders: left }, "folders nested too deep were not read");
}

/** Fetches the text of YAML files that neither the response nor the cache holds, 100 a query. */
async function fetchMissingTexts(context: ProposeContext, files: TreeFile[]): Promise<void> {
  const missing = [...new Set(files.filter((file) => file.text === undefined && !file.binary && YAML_FILE.test(file.path) && context.blobs.get(file.oid) === undefined).map((file) => file.oid))];
  for (let start = 0; start < missing.length; start += OBJECTS_PER_READ) {
    const batch = missing.slice(start, start + OBJECTS_PER_READ);
    const { query, variables } = readObjectsQuery(context.owner, context.repo, batch, []);
    const result = await runGraphql<{ repository: Record<string, { text?: string | null; isTruncated?: boolean } | null> }>(context.client, query, variables);
    for (const [index, oid] of batch.entries()) {
      const blob = result.data?.repository[`b${index}`];
      if (blob?.text != null && !blob.isTruncated) context.blobs.set(oid, blob.text);
    }
  }
}

type WritePlan = { environment: EnvironmentState; plan: Extract<ProposalPlan, { action: "open" | "supersede" }> };

interface CreatedRefs {
  [alias: string]: { ref?: { id: string; target: { oid: string } }; commit?: { oid: string; url: string }; pullRequest?: { id: string; number: number; url: string; headRefOid: string }; label?: { id: string; name: string } } | null;
}

const CONFLICT = /already exists|expected|is at|does not match|stale|not a fast forward|Reference update failed|ref.*exist/i;

async function writeProposals(
  context: ProposeContext,
  build: Build,
  state: RepositoryState,
  writes: readonly WritePlan[],
): Promise<{ outcomes: ProposalOutcome[]; retry: Set<string> }> {
  const repository = `${context.owner}/${context.repo}`;
  const outcomes: ProposalOutcome[] = [];
  const retry = new Set<string>();

  // Document 1: labels that do not exist yet; per proposal a branch (or a temporary one) with its commit, and new PRs.
  const first: WriteStep[] = [];
  const missingLabels = [...new Set(writes.filter((write) => write.plan.action === "open").flatMap((write) => labelsFor(write.environment.read.name)))].filter(
    (name) => !state.labelIds.has(name),
  );
  for (const [index, name] of missingLabels.entries()) {
    first.push({ kind: "createLabel", alias: `label${index}`, repositoryId: state.repositoryId, name, color: LABEL_COLOR, description: "Opened by Bender" });
  }
  const temporaryBranches = new Map<number, string>();
  for (const [index, { environment, plan }] of writes.entries()) {
    const branch = environment.read.proposalRef.slice("refs/heads/".length);
    const commitFor = (onBranch: string) => ({
      kind: "commit" as const,
      alias: `p${index}_commit`,
      input: {
        repositoryNameWithOwner: state.nameWithOwner,
        branch: onBranch,
        expectedHeadOid: environment.baseOid,
        headline: plan.commit.headline,
        body: plan.commit.body,
        files: plan.files,
      },
    });
    if (plan.action === "open") {
      // A branch left without an open PR (a failed run, a PR closed elsewhere) is replaced.
      if (environment.proposal) first.push({ kind: "deleteRef", alias: `p${index}_stale`, refId: environment.proposal.id });
      first.push({ kind: "createRef", alias: `p${index}_ref`, repositoryId: state.repositoryId, name: environment.read.proposalRef, oid: environment.baseOid });
      first.push(commitFor(branch));
      first.push({
        kind: "createPullRequest",
        alias: `p${index}_pr`,
        repositoryId: state.repositoryId,
        baseRefName: environment.snapshot.baseBranch,
        headRefName: branch,
        title: plan.title,
        body: plan.body,
      });
    } else {
      // Rebuild from the current base on a temporary branch, so the PR's head never equals its base.
      const temporary = `bender-tmp/${context.uniqueId()}`;
      temporaryBranches.set(index, temporary);
      first.push({ kind: "createRef", alias: `p${index}_ref`, repositoryId: state.repositoryId, name: `refs/heads/${temporary}`, oid: environment.baseOid });
      first.push(commitFor(temporary));
    }
  }
  const firstDocument = mutationDocument(first);
  const firstResult: GraphqlResult<CreatedRefs> = await runGraphql<CreatedRefs>(context.client, firstDocument.query, firstDocument.variables);
  const labelIds = new Map(state.labelIds);
  for (const index of missingLabels.keys()) {
    const label = firstResult.data?.[`label${index}`]?.label;
    if (label) labelIds.set(label.name, label.id);
  }

  // Document 2: label new PRs and pin them automatically; move superseded branches, only from the head that was read.
  const second: WriteStep[] = [];
  const done: { index: number; write: WritePlan; pullRequest: { id: string; number: number; url: string }; headOid: string }[] = [];
  const mergeMethod = MERGE_METHODS[context.config.mergeMethod];
  const mergeStep = (index: number, write: WritePlan, pullRequestId: string, headOid: string): WriteStep => ({
    kind: "merge",
    alias: `p${index}_merge`,
    pullRequestId,
    expectedHeadOid: headOid,
    mergeMethod,
    headline: write.plan.title,
  });
  const merging = new Set<number>();
  for (const [index, write] of writes.entries()) {
    const name = write.environment.read.name;
    const failures = [`p${index}_stale`, `p${index}_ref`, `p${index}_commit`, `p${index}_pr`].flatMap((alias) => failuresOf(firstResult, alias));
    const commit = firstResult.data?.[`p${index}_commit`]?.commit;
    if (failures.length > 0 || !commit) {
      const message = failures.map((failure) => failure.message).join("; ") || "GitHub returned no commit";
      const temporary = temporaryBranches.get(index);
      const createdRef = firstResult.data?.[`p${index}_ref`]?.ref;
      // Leave nothing half-made: a temporary branch, or a new branch without its PR, is removed.
      if (createdRef && (temporary || !firstResult.data?.[`p${index}_pr`]?.pullRequest)) {
        second.push({ kind: "deleteRef", alias: `p${index}_cleanup`, refId: createdRef.id });
      }
      if (CONFLICT.test(message)) retry.add(name);
      else outcomes.push({ repository, environment: name, action: "failed", detail: message });
      context.log.warn({ environment: name, failures: message }, "proposal write failed");
      continue;
    }
    if (write.plan.action === "open") {
      const pullRequest = firstResult.data?.[`p${index}_pr`]?.pullRequest;
      if (!pullRequest) continue;
      const ids = labelsFor(name).map((label) => labelIds.get(label)).filter((id): id is string => id !== undefined);
      if (ids.length > 0) second.push({ kind: "addLabels", alias: `p${index}_labels`, labelableId: pullRequest.id, labelIds: ids });
      done.push({ index, write, pullRequest, headOid: commit.oid });
      if (write.plan.autoPin) {
        second.push(mergeStep(index, write, pullRequest.id, commit.oid));
        merging.add(index);
      }
    } else {
      const open = write.environment.openPullRequest;
      const proposal = write.environment.proposal;
      const temporaryRef = firstResult.data?.[`p${index}_ref`]?.ref;
      if (!open || !proposal?.target || !temporaryRef) continue;
      // Compare-and-swap: a branch another writer moved since the read is not overwritten.
      second.push({
        kind: "moveRef",
        alias: `p${index}_move`,
        repositoryId: state.repositoryId,
        name: write.environment.read.proposalRef,
        beforeOid: proposal.target.oid,
        afterOid: commit.oid,
      });
      second.push({ kind: "deleteRef", alias: `p${index}_tmp`, refId: temporaryRef.id });
      done.push({ index, write, pullRequest: { id: open.id, number: open.number, url: open.url }, headOid: commit.oid });
    }
  }
  const secondDocument = second.length > 0 ? mutationDocument(second) : undefined;
  const secondResult = secondDocument
    ? await runGraphql<Record<string, unknown>>(context.client, secondDocument.query, secondDocument.variables)
    : undefined;

  // Document 3: only once a superseded branch has moved, its PR is rewritten, commented and pinned,
  // so a PR's title, body and metadata never describe a branch another writer holds.
  const third: WriteStep[] = [];
  const moved = done.filter(({ index, write }) => {
    if (write.plan.action !== "supersede") return true;
    if (!secondResult || failuresOf(secondResult, `p${index}_move`).length > 0) {
      retry.add(write.environment.read.name);
      return false;
    }
    return true;
  });
  for (const { index, write, pullRequest, headOid } of moved) {
    if (write.plan.action !== "supersede") continue;
    third.push({ kind: "updatePullRequest", alias: `p${index}_pr`, pullRequestId: pullRequest.id, title: write.plan.title, body: write.plan.body });
    const previous = write.environment.snapshot.openProposal?.metadata;
    third.push({ kind: "comment", alias: `p${index}_comment`, subjectId: pullRequest.id, body: supersededComment(previous, build) });
    if (write.plan.autoPin) {
      third.push(mergeStep(index, write, pullRequest.id, headOid));
      merging.add(index);
    }
  }
  const thirdDocument = third.length > 0 ? mutationDocument(third) : undefined;
  const thirdResult = thirdDocument
    ? await runGraphql<Record<string, unknown>>(context.client, thirdDocument.query, thirdDocument.variables)
    : undefined;
  const results = [secondResult, thirdResult].filter((result): result is GraphqlResult<Record<string, unknown>> => result !== undefined);
  const failed = (alias: string) => results.flatMap((result) => failuresOf(result, alias));

  for (const { index, write, pullRequest, headOid } of moved) {
    const name = write.environment.read.name;
    const stepFailures = [`p${index}_labels`, `p${index}_tmp`, `p${index}_pr`, `p${index}_comment`].flatMap(failed);
    for (const failure of stepFailures) context.log.warn({ environment: name, step: failure.path[0], message: failure.message }, "proposal step failed");
    const mergeFailure = failed(`p${index}_merge`);
    const pinned = merging.has(index) && mergeFailure.length === 0;
    if (write.plan.autoPin && !pinned) {
      context.log.warn({ environment: name, pullRequest: pullRequest.url, reason: mergeFailure.map((failure) => failure.message).join("; ") }, "automatic pin refused by GitHub");
    }
    const pullRequestRef = { ...pullRequest, headOid };
    const action = write.plan.action === "open" ? "opened" : "superseded";
    const detail = pinned ? `pinned automatically` : write.plan.heldBecause ? `not pinned automatically: ${write.plan.heldBecause}` : `${action} for review`;
    outcomes.push({ repository, environment: name, action, detail, pullRequest: { number: pullRequest.number, url: pullRequest.url }, pinned });
    emitProposalEvents(context, write, pullRequestRef, pinned);
  }
  return { outcomes, retry };
}

function emitProposalEvents(context: ProposeContext, write: WritePlan, pullRequest: { id: string; number: number; url: string; headOid: string }, pinned: boolean): void {
  const base = { repository: `${context.owner}/${context.repo}`, environment: write.environment.read.name, pullRequest, metadata: write.plan.metadata };
  if (write.plan.action === "open") {
    context.events.emit({ ...base, type: "proposal.opened", autoPin: write.plan.autoPin, heldBecause: write.plan.heldBecause });
  } else {
    const previous: ProposalMetadata | undefined = write.environment.snapshot.openProposal?.metadata;
    context.events.emit({ ...base, type: "proposal.superseded", previous, autoPin: write.plan.autoPin });
  }
  if (pinned) context.events.emit({ ...base, type: "proposal.pinned", by: "bender", via: "automatic" });
}
