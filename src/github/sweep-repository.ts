import { parseReference } from "../image-ref/index.js";
import { BRANCH_PREFIX } from "../proposals/branch-name.js";
import { decodeProposalMetadata } from "../proposals/metadata.js";
import { graphqlError } from "./github-error.js";
import { runGraphql } from "./graphql-client.js";
import { proposeBuilds } from "./propose-build.js";
import { hasAllLabels } from "../proposals/labels.js";
import type { ProposalOutcome, ProposeContext } from "./propose-context.js";
import { ZERO_OID, mutationDocument } from "./write-documents.js";
import type { WriteStep } from "./write-documents.js";
import { TEMPORARY_PREFIX } from "./write-proposals.js";

/** A temporary branch older than this was abandoned (a crash, a cut-off write): no write takes this long. */
export const TEMPORARY_MAX_AGE_MS = 10 * 60 * 1000;

/** What a sweep did: a temporary branch removed, or a half-done proposal proposed again (finished, or found fine). */
export type SweepOutcome =
  | { readonly kind: "temporary-branch-deleted"; readonly branch: string }
  | { readonly kind: "temporary-branch-kept"; readonly branch: string; readonly detail: string }
  | { readonly kind: "proposal"; readonly outcome: ProposalOutcome };

const SWEEP_QUERY = `query BenderSweep($owner: String!, $name: String!, $temporary: String!) { repository(owner: $owner, name: $name) {
  id
  temporary: refs(refPrefix: $temporary, first: 100) { nodes { name target { oid } } }
  proposals: pullRequests(states: OPEN, first: 100, orderBy: { field: UPDATED_AT, direction: DESC }) { nodes { number headRefName body labels(first: 20) { nodes { name } } } }
} }`;

interface SweepResponse {
  repository: {
    id: string;
    temporary: { nodes: { name: string; target: { oid: string } | null }[] };
    proposals: { nodes: { number: number; headRefName: string; body: string; labels: { nodes: { name: string }[] } | null }[] };
  } | null;
}

/**
 * Finishes or cleans what an interrupted write left in one repository, so
 * nothing depends on the next build of the same image:
 *
 * 1. One read: temporary branches, and the open PRs with their labels.
 * 2. Temporary branches older than TEMPORARY_MAX_AGE_MS are deleted, each
 *    only if it still points where it was read (one document).
 * 3. Open proposals without their labels, or in an environment that pins
 *    automatically, are proposed again for the build they hold: the planner
 *    finishes them (labels, automatic pin at the head read) or leaves them.
 *
 * Cheap when there is nothing to do: one read.
 */
export async function sweepRepository(context: ProposeContext): Promise<SweepOutcome[]> {
  const now = (context.now ?? Date.now)();
  const outcomes: SweepOutcome[] = [];
  const result = await runGraphql<SweepResponse>(context.client, SWEEP_QUERY, { owner: context.owner, name: context.repo, temporary: `refs/heads/${TEMPORARY_PREFIX}` });
  const repository = result.data?.repository;
  if (!repository) throw graphqlError(result.failures, `cannot sweep ${context.owner}/${context.repo}`, "no such repository");

  // 2. Abandoned temporary branches.
  const abandoned = repository.temporary.nodes.filter((ref) => {
    const started = Number(/^(?<time>\d+)-/.exec(ref.name)?.groups?.time ?? Number.NaN);
    return ref.target !== null && !(now - started < TEMPORARY_MAX_AGE_MS);
  });
  if (abandoned.length > 0) {
    const steps: WriteStep[] = abandoned.map((ref, index) => ({
      kind: "moveRef",
      alias: `tmp${index}`,
      repositoryId: repository.id,
      name: `refs/heads/${TEMPORARY_PREFIX}${ref.name}`,
      beforeOid: ref.target?.oid ?? ZERO_OID,
      afterOid: ZERO_OID,
    }));
    const { query, variables } = mutationDocument(steps);
    const deleted = await runGraphql<Record<string, unknown>>(context.client, query, variables);
    for (const [index, ref] of abandoned.entries()) {
      const failure = deleted.failures.find((candidate) => candidate.path[0] === `tmp${index}`);
      const branch = `${TEMPORARY_PREFIX}${ref.name}`;
      outcomes.push(failure ? { kind: "temporary-branch-kept", branch, detail: failure.message } : { kind: "temporary-branch-deleted", branch });
    }
  }

  // 3. Half-done proposals, proposed again for the build they hold.
  const targets = repository.proposals.nodes.flatMap((pullRequest) => {
    if (!pullRequest.headRefName.startsWith(`${BRANCH_PREFIX}/`)) return [];
    const decoded = decodeProposalMetadata(pullRequest.body);
    if (!decoded.ok) return [];
    const environment = context.config.environments[decoded.metadata.environment];
    const reference = parseReference(decoded.metadata.reference);
    if (!environment || !reference.ok) return [];
    const unlabelled = !hasAllLabels(decoded.metadata.environment, pullRequest.labels);
    if (!unlabelled && !environment.autoPin) return [];
    // `origin` is not read past the intakes; the source is the one the proposal recorded.
    const build = { image: reference.reference, origin: "webhook" as const, ...(decoded.metadata.source ? { source: { ...decoded.metadata.source } } : {}) };
    return [{ build, environments: new Set([decoded.metadata.environment]) }];
  });
  if (targets.length > 0) {
    for (const outcome of await proposeBuilds(targets, context)) outcomes.push({ kind: "proposal", outcome });
  }
  return outcomes;
}
