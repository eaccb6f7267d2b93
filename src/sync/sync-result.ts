import type { KeptObject, ObjectRef } from "./cluster-port.js";
import { describeRef } from "./object-ref.js";

/** How a run ended. `up-to-date`: nothing new and no full run due; `held-elsewhere`: another run holds the Lease. */
export type SyncOutcome = "up-to-date" | "applied" | "dry-run" | "failed" | "held-elsewhere";

/** One run, as --json prints it and the text output, the deployment description and the exit code are drawn from. */
export interface SyncRunResult {
  readonly outcome: SyncOutcome;
  readonly repository: string;
  readonly ref: string;
  readonly commit: string | undefined;
  readonly environment: string;
  readonly cluster: string;
  readonly fullRun: boolean;
  readonly applied: readonly ObjectRef[];
  readonly unchanged: number;
  readonly pruned: readonly ObjectRef[];
  readonly wouldPrune: readonly ObjectRef[];
  /** Objects the previous run applied that the commit no longer has, left in place by the prune, each with the rule that kept it. */
  readonly kept: readonly KeptObject[];
  /** Every failing object with the API's reason, or the one reason the run stopped before the cluster. */
  readonly failures: readonly { readonly object?: ObjectRef; readonly reason: string }[];
  /** The stable code of a failure before the cluster (a GitHub or render error), when there was one. */
  readonly errorCode?: string;
  readonly deployment?: { readonly id: number; readonly state: string };
  /** Problems reporting to GitHub after the run; they do not change the outcome. */
  readonly warnings: readonly string[];
}

/** The first failure, as one line: "Deployment shop/api: <reason>". */
export function firstFailure(result: SyncRunResult): string | undefined {
  const [failure] = result.failures;
  if (!failure) return undefined;
  return failure.object ? `${describeRef(failure.object)}: ${failure.reason}` : failure.reason;
}

/** The deployment status description: "applied 3, unchanged 240, pruned 1", or the first failure. */
export function summarise(result: SyncRunResult): string {
  const failure = firstFailure(result);
  if (failure !== undefined) return failure;
  const parts = [`applied ${result.applied.length}`, `unchanged ${result.unchanged}`];
  if (result.pruned.length > 0) parts.push(`pruned ${result.pruned.length}`);
  return parts.join(", ");
}

/** Exit code: 0 the cluster matches the commit (or a dry run / another holder ran), 1 the run failed. */
export function exitCodeOf(result: SyncRunResult): number {
  return result.outcome === "failed" ? 1 : 0;
}

/** Human output of one run; a dry run lists what it would apply and prune. */
export function renderSyncText(result: SyncRunResult): string {
  const at = `${result.repository}@${result.ref}${result.commit ? ` (${result.commit.slice(0, 7)})` : ""} → ${result.environment}/${result.cluster}`;
  const lines: string[] = [];
  switch (result.outcome) {
    case "up-to-date":
      lines.push(`${at}: up to date, nothing to do`);
      break;
    case "held-elsewhere":
      lines.push(`${at}: another run holds the Lease; nothing done`);
      break;
    case "dry-run":
      lines.push(`[dry-run] ${at}: would apply ${result.applied.length}, unchanged ${result.unchanged}, would prune ${result.wouldPrune.length}`);
      for (const object of result.applied) lines.push(`[dry-run]   apply  ${describeRef(object)}`);
      for (const object of result.wouldPrune) lines.push(`[dry-run]   prune  ${describeRef(object)}`);
      for (const { object, reason } of result.kept) lines.push(`[dry-run]   keep   ${describeRef(object)}: ${reason}`);
      for (const failure of result.failures) lines.push(`[dry-run]   failed ${failure.object ? `${describeRef(failure.object)}: ` : ""}${failure.reason}`);
      break;
    case "applied":
      lines.push(`${at}: ${summarise(result)}${result.fullRun ? " (full run)" : ""}`);
      for (const object of result.applied) lines.push(`  applied ${describeRef(object)}`);
      for (const object of result.pruned) lines.push(`  pruned  ${describeRef(object)}`);
      for (const { object, reason } of result.kept) lines.push(`  kept    ${describeRef(object)}: ${reason}`);
      break;
    case "failed":
      lines.push(`${at}: FAILED${result.errorCode ? ` (${result.errorCode})` : ""}; the recorded state is unchanged, the next run tries again`);
      for (const failure of result.failures) lines.push(`  ${failure.object ? `${describeRef(failure.object)}: ` : ""}${failure.reason}`);
      for (const { object, reason } of result.kept) lines.push(`  kept    ${describeRef(object)}: ${reason}`);
      break;
  }
  for (const warning of result.warnings) lines.push(`  warning: ${warning}`);
  return `${lines.join("\n")}\n`;
}

/** GitHub's limit on a deployment status description. */
const DESCRIPTION_LIMIT = 140;

/**
 * A description as GitHub stores it: one line, at most 140 characters. What
 * is sent is shortened so, and a stored one is compared with the same form.
 */
export function deploymentDescription(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= DESCRIPTION_LIMIT ? line : `${line.slice(0, DESCRIPTION_LIMIT - 1)}…`;
}
