import type { ResolvedCommit } from "../sync/github-port.js";
import { toGitHubError } from "./github-error.js";
import type { SyncOctokit } from "./sync-octokit.js";
import { repositoryName } from "./repository-name.js";

/** The sync job's GitHub client (src/github/sync-octokit.ts). */
export type GitHubClient = SyncOctokit;


const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * Step 1 of a sync run: `GET /repos/{o}/{r}/commits/{ref}` with
 * `Accept: application/vnd.github.sha` (the body is the bare sha) and
 * `If-None-Match` when an ETag is remembered.
 */
export async function resolveCommit(
  github: GitHubClient,
  target: { repository: string; ref: string; etag?: string | undefined },
): Promise<ResolvedCommit> {
  const { owner, name: repo } = repositoryName(target.repository);
  try {
    const response = await github.request("GET /repos/{owner}/{repo}/commits/{ref}", {
      owner,
      repo,
      ref: target.ref,
      headers: { accept: "application/vnd.github.sha", ...(target.etag ? { "if-none-match": target.etag } : {}) },
    });
    // GitHub sends the sha as application/vnd.github.sha, which Octokit hands over as bytes unless a charset is given.
    const data = response.data as unknown;
    const sha = (data instanceof ArrayBuffer ? new TextDecoder().decode(data) : String(data)).trim();
    if (!SHA.test(sha)) throw new Error(`not a commit sha: ${JSON.stringify(sha.slice(0, 80))}`);
    return { status: "changed", sha, etag: response.headers.etag };
  } catch (error) {
    if ((error as { status?: number }).status === 304) return { status: "unchanged" };
    throw toGitHubError(error, `resolving ${target.repository}@${target.ref}`);
  }
}
