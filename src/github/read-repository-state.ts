import { pathMatcher } from "../config/index.js";
import type { Skipped } from "../manifests/index.js";
import { canPinNow, parseFreezes, releasePolicyFor } from "../policy/index.js";
import { parseHolds } from "../proposals/holds.js";
import { labelsFor } from "../proposals/labels.js";
import { decodeProposalMetadata } from "../proposals/metadata.js";
import { referenceTrailer } from "../proposals/plan-proposal.js";
import type { EnvironmentSnapshot } from "../proposals/plan-proposal.js";
import { GitHubError, graphqlError } from "./github-error.js";
import { runGraphql } from "./graphql-client.js";
import { ConfigChangedError } from "./propose-context.js";
import type { ProposeContext } from "./propose-context.js";
import { flattenTree, readObjectsQuery, readStateQuery } from "./read-state.js";
import type { EnvironmentRead, ProposalRefResponse, TreeEntryResponse, TreeFile } from "./read-state.js";

const MAX_FOLLOW_UP_READS = 4;
const OBJECTS_PER_READ = 100;
const YAML_FILE = /(?:\.ya?ml|\/Kustomization|^Kustomization)$/;

interface StateResponse {
  repository: {
    id: string;
    nameWithOwner: string;
    defaultBranchRef: { name: string; target: { oid: string } } | null;
    config: { oid: string } | null;
    [alias: string]: unknown;
  } | null;
}

export interface EnvironmentState {
  readonly read: EnvironmentRead;
  readonly snapshot: EnvironmentSnapshot;
  readonly baseOid: string;
  readonly proposal: ProposalRefResponse | null;
  readonly openPullRequest: ProposalRefResponse["associatedPullRequests"]["nodes"][number] | undefined;
}

export interface RepositoryState {
  readonly repositoryId: string;
  /** Blob ID of `.github/bender.yml` on the default branch, undefined when there is none. */
  readonly configOid: string | undefined;
  readonly nameWithOwner: string;
  readonly environments: readonly EnvironmentState[];
  /** Environments that cannot be planned here (their branch does not exist), with the reason. */
  readonly unplannable: readonly { readonly name: string; readonly detail: string }[];
  readonly labelIds: ReadonlyMap<string, string>;
}

export async function readRepositoryState(context: ProposeContext, reads: readonly EnvironmentRead[]): Promise<RepositoryState> {
  const repositoryKey = `${context.owner}/${context.repo}`;
  const withText = !context.blobs.hasSeen(repositoryKey);
  const labels = [...new Set(reads.flatMap((read) => labelsFor(read.name)))];
  const { query, variables } = readStateQuery({ owner: context.owner, name: context.repo, environments: reads, labels, withText });
  const result = await runGraphql<StateResponse>(context.client, query, variables);
  const repository = result.data?.repository;
  if (!repository) {
    throw graphqlError(result.failures, `cannot read ${repositoryKey}`, "no such repository");
  }
  const defaultBranch = repository.defaultBranchRef;
  if (!defaultBranch) throw new GitHubError("not-found", `${repositoryKey} has no default branch (an empty repository?)`);

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
  const environments = perEnvironment.flatMap(({ read, index, files: own }): EnvironmentState[] => {
    const files = read.treesFrom === undefined ? own : (perEnvironment[read.treesFrom]?.files ?? own);
    const environment = context.config.environments[read.name];
    if (!environment) throw new ConfigChangedError(`environment ${read.name} vanished from the config`);
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
    const freezes = repository[`e${index}_freezes`] as { text?: string | null } | null | undefined;
    const policy = releasePolicyFor(context.config, read.name);
    if (policy === undefined) throw new ConfigChangedError(`environment ${read.name} vanished from the config`);
    const gate = canPinNow(policy, context.now?.() ?? Date.now(), parseFreezes(freezes?.text ?? undefined));
    const proposal = repository[`e${index}_proposal`] as ProposalRefResponse | null;
    const openPullRequest = proposal?.associatedPullRequests.nodes[0];
    const decoded = openPullRequest ? decodeProposalMetadata(openPullRequest.body) : undefined;
    const closed = (repository[`e${index}_closed`] as { nodes: { url: string; body: string }[] } | null)?.nodes[0];
    const closedMetadata = closed ? decodeProposalMetadata(closed.body) : undefined;
    if (decoded && !decoded.ok) context.log.warn({ pullRequest: openPullRequest?.url, reason: decoded.reason }, "proposal metadata ignored");
    const snapshot: EnvironmentSnapshot = {
      environment: read.name,
      config: environment,
      baseBranch: branchRef.name,
      files: texts.sort((a, b) => (a.path < b.path ? -1 : 1)),
      unreadable,
      holds: parseHolds(holds?.text ?? undefined),
      ...(gate.allowed ? {} : { notNow: gate.message }),
      openProposal: openPullRequest
        ? {
            metadata: decoded?.ok ? decoded.metadata : undefined,
            metadataProblem: decoded?.ok ? undefined : decoded?.reason,
            branchReference: referenceTrailer(proposal?.target?.messageBody),
          }
        : undefined,
      dismissed: closed && closedMetadata?.ok ? { metadata: closedMetadata.metadata, url: closed.url } : undefined,
    };
    return [{ read, snapshot, baseOid: branchRef.target.oid, proposal, openPullRequest }];
  });

  const labelIds = new Map<string, string>();
  for (const index of labels.keys()) {
    const label = repository[`l${index}`] as { id: string; name: string } | null;
    if (label) labelIds.set(label.name, label.id);
  }
  return { repositoryId: repository.id, configOid: repository.config?.oid, nameWithOwner: repository.nameWithOwner, environments, unplannable, labelIds };
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
