import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { SyncBudgets } from "../sync/budgets.js";
import { extractTarball } from "../sync/io/extract-tarball.js";
import type { ExtractedTree } from "../sync/io/extract-tarball.js";
import { SyncError } from "../sync/sync-error.js";
import { toGitHubError } from "./github-error.js";
import type { GitHubClient } from "./resolve-commit.js";
import { repositoryName } from "./repository-name.js";

/** Longest a tarball download may take, body included. */
const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;

/**
 * Step 2 of a sync run: one request for the commit's tarball (GitHub
 * redirects to codeload), streamed through the extractor, never held whole.
 */
export async function downloadTarball(
  github: GitHubClient,
  target: { repository: string; sha: string; paths: readonly string[] },
  budgets: SyncBudgets,
): Promise<ExtractedTree> {
  const { owner, name: repo } = repositoryName(target.repository);
  let body: WebReadableStream;
  try {
    const response = await github.request("GET /repos/{owner}/{repo}/tarball/{ref}", {
      owner,
      repo,
      ref: target.sha,
      // The whole download, body included: a stalled stream must not hold the run (and its Lease) for ever.
      request: { parseSuccessResponseBody: false, signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) },
    });
    const length = Number(response.headers["content-length"] ?? Number.NaN);
    if (Number.isFinite(length) && length > budgets.archiveBytes) {
      await (response.data as unknown as WebReadableStream).cancel();
      throw new SyncError("over-budget", `the tarball is ${length} bytes; the budget is ${budgets.archiveBytes}`);
    }
    body = response.data as unknown as WebReadableStream;
  } catch (error) {
    if (error instanceof SyncError) throw error;
    throw toGitHubError(error, `downloading ${target.repository}@${target.sha.slice(0, 7)}`);
  }
  return extractTarball(Readable.fromWeb(body), target.paths, budgets);
}
