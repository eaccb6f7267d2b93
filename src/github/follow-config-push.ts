import type { Context } from "probot";
import { CONFIG_FILE } from "../config/index.js";
import { reportConfigCheck } from "./config-check.js";
import type { BenderServices } from "./services.js";

/**
 * A push that touches `.github/bender.yml`:
 *
 * 1. Skip pushes that do not touch it, and branch deletions.
 * 2. Check the config and report it as a commit status on the pushed head.
 * 3. On the default branch, forget the installation's cached list of manifest
 *    repositories (the repository may have become one, or stopped being one).
 */
export async function followConfigPush(services: BenderServices, context: Context<"push">): Promise<void> {
  const payload = context.payload;
  // 1. Touched?
  const touched = payload.commits.some((commit) =>
    [...(commit.added ?? []), ...(commit.modified ?? []), ...(commit.removed ?? [])].includes(CONFIG_FILE),
  );
  if (!touched || payload.deleted) return;
  // 2. Check.
  const defaultBranch = payload.ref === `refs/heads/${payload.repository.default_branch}`;
  await reportConfigCheck({
    client: context.octokit as unknown as Parameters<typeof reportConfigCheck>[0]["client"],
    repository: payload.repository.full_name,
    headSha: payload.after,
    onDefaultBranch: defaultBranch,
    configs: services.configs,
    log: context.log,
  });
  // 3. Forget.
  if (defaultBranch && payload.installation) services.repositories.forget(payload.installation.id);
}
