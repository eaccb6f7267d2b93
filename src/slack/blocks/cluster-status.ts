import { code, escapeMrkdwn, inert } from "./mrkdwn.js";

/** A GitHub deployment as `/bender status` reads it (GraphQL `Repository.deployments`, newest first). */
export interface DeploymentNode {
  readonly environment: string | null;
  readonly commitOid: string;
  readonly latestStatus: { readonly state: string; readonly description: string | null } | null;
}

/**
 * One line per cluster of an environment that the sync job reported from
 * (deployments to `<environment>/<cluster>`): the commit it runs (its latest
 * successful deployment), and the latest failure when one came after it.
 */
export function clusterStatusLines(environment: string, deployments: readonly DeploymentNode[]): string[] {
  const prefix = `${environment}/`;
  const clusters = new Map<string, { running?: string; failed?: { commit: string; reason: string } }>();
  for (const deployment of deployments) {
    if (!deployment.environment?.startsWith(prefix)) continue;
    const cluster = deployment.environment.slice(prefix.length);
    const seen = clusters.get(cluster) ?? {};
    clusters.set(cluster, seen);
    if (seen.running !== undefined) continue;
    const state = deployment.latestStatus?.state;
    if (state === "SUCCESS") seen.running = deployment.commitOid;
    else if ((state === "FAILURE" || state === "ERROR") && seen.failed === undefined) {
      seen.failed = { commit: deployment.commitOid, reason: deployment.latestStatus?.description ?? "no reason given" };
    }
  }
  const lines: string[] = [];
  for (const [cluster, seen] of [...clusters].sort(([a], [b]) => a.localeCompare(b))) {
    if (seen.running === undefined && seen.failed === undefined) continue;
    const runs = seen.running === undefined ? "no successful sync yet" : `runs ${code(seen.running.slice(0, 7))}`;
    const failed = seen.failed ? `; the latest sync of ${code(seen.failed.commit.slice(0, 7))} failed: ${inert(seen.failed.reason, 300)}` : "";
    lines.push(`• cluster ${escapeMrkdwn(cluster)}: ${runs}${failed}`);
  }
  return lines;
}
