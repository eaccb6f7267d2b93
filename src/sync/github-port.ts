/** A ref resolved to its commit; `unchanged` when GitHub answered 304 to the remembered ETag (no rate limit spent). */
export type ResolvedCommit = { readonly status: "unchanged" } | { readonly status: "changed"; readonly sha: string; readonly etag: string | undefined };

export type DeploymentState = "in_progress" | "success" | "failure" | "error";

/** The GitHub operations of one sync run, bound to the repository, environment and cluster (src/github/sync-github.ts). */
export interface SyncRepository {
  /** The installation id to remember in the state (App credentials), undefined with a token. */
  readonly installationId: number | undefined;
  resolveCommit(etag: string | undefined): Promise<ResolvedCommit>;
  downloadTree(sha: string): Promise<ReadonlyMap<string, Uint8Array>>;
  /** The latest deployment of `sha` to this cluster; its latest status too when asked (one more request). */
  findDeployment(sha: string, options: { withStatus: boolean }): Promise<{ id: number; state: string | undefined; description: string | undefined } | undefined>;
  createDeployment(sha: string, description: string): Promise<number>;
  setDeploymentStatus(deploymentId: number, state: DeploymentState, description: string): Promise<void>;
}

/** Connects to GitHub, reusing a remembered installation id when there is one. */
export type ConnectRepository = (installationId: number | undefined) => Promise<SyncRepository>;
