/** Where a workload's rollout stands, from its live object (what `kubectl rollout status` looks at). */
export type Rollout = { readonly done: true } | { readonly done: false; readonly failed: boolean; readonly detail: string };

interface Workload {
  kind?: string;
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number; readyReplicas?: number;
    desiredNumberScheduled?: number; updatedNumberScheduled?: number; numberAvailable?: number;
    conditions?: { type?: string; reason?: string; message?: string }[];
  };
}

export const WORKLOAD_KINDS: ReadonlySet<string> = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

export function rolloutOf(workload: Workload): Rollout {
  const status = workload.status ?? {};
  const generation = workload.metadata?.generation ?? 0;
  if ((status.observedGeneration ?? 0) < generation) return { done: false, failed: false, detail: "waiting for the controller to see the new generation" };
  const stalled = status.conditions?.find((condition) => condition.type === "Progressing" && condition.reason === "ProgressDeadlineExceeded");
  if (stalled) return { done: false, failed: true, detail: `progress deadline exceeded: ${stalled.message ?? ""}`.trim() };
  if (workload.kind === "DaemonSet") {
    const desired = status.desiredNumberScheduled ?? 0;
    if ((status.updatedNumberScheduled ?? 0) < desired) return { done: false, failed: false, detail: `${status.updatedNumberScheduled ?? 0} of ${desired} pods updated` };
    if ((status.numberAvailable ?? 0) < desired) return { done: false, failed: false, detail: `${status.numberAvailable ?? 0} of ${desired} updated pods available` };
    return { done: true };
  }
  const wanted = workload.spec?.replicas ?? 1;
  if ((status.updatedReplicas ?? 0) < wanted) return { done: false, failed: false, detail: `${status.updatedReplicas ?? 0} of ${wanted} replicas updated` };
  if ((status.replicas ?? 0) > (status.updatedReplicas ?? 0)) return { done: false, failed: false, detail: `${(status.replicas ?? 0) - (status.updatedReplicas ?? 0)} old replicas pending termination` };
  if ((status.availableReplicas ?? 0) < wanted) return { done: false, failed: false, detail: `${status.availableReplicas ?? 0} of ${wanted} updated replicas available` };
  return { done: true };
}
