import type { Logger } from "pino";
import { CONFIG_FILE, parseConfig, renderProblems, summarizeProblems } from "../config/index.js";
import type { ConfigStore } from "./config-store.js";
import { runGraphql } from "./graphql-client.js";
import type { GraphqlClient } from "./graphql-client.js";
import { repositoryName } from "./repository-name.js";

const CONFIG_CHECK_NAME = "bender/config";

export interface ConfigCheckInput {
  readonly client: GraphqlClient & { request: (route: string, parameters: Record<string, unknown>) => Promise<unknown> };
  /** owner/name */
  readonly repository: string;
  readonly headSha: string;
  readonly onDefaultBranch: boolean;
  readonly configs: ConfigStore;
  readonly log: Logger;
}

const FILE_AT_COMMIT =
  "query BenderConfigAt($owner: String!, $name: String!, $expression: String!) { repository(owner: $owner, name: $name) { object(expression: $expression) { ... on Blob { oid text } } } }";

/**
 * Reports a pushed `.github/bender.yml` where its author looks: a check run on
 * the commit, passing, or failing with every problem listed. On the default
 * branch the config cache takes the new file (an invalid one never replaces
 * the last valid config).
 */
export async function reportConfigCheck(input: ConfigCheckInput): Promise<void> {
  const { owner, name } = repositoryName(input.repository);
  const result = await runGraphql<{ repository: { object: { oid: string; text: string | null } | null } | null }>(input.client, FILE_AT_COMMIT, {
    owner,
    name,
    expression: `${input.headSha}:${CONFIG_FILE}`,
  });
  const blob = result.data?.repository?.object;
  if (input.onDefaultBranch) input.configs.accept(input.repository, blob?.oid, blob?.text ?? undefined, input.log);
  if (!blob) return; // The file was removed: nothing to check.

  const parsed = parseConfig(blob.text ?? "");
  const output = parsed.ok
    ? { title: `${CONFIG_FILE} is valid`, summary: `Bender reads ${Object.keys(parsed.config.environments).length} environment(s) from ${CONFIG_FILE}.` }
    : {
        title: summarizeProblems(parsed.problems),
        summary: input.onDefaultBranch
          ? `Bender keeps using the last valid ${CONFIG_FILE} (or does nothing here if there never was one) until this is fixed.`
          : `Fix these before merging: Bender would keep its last valid config.`,
        text: renderProblems(parsed.problems),
      };
  await input.client.request("POST /repos/{owner}/{repo}/check-runs", {
    owner,
    repo: name,
    name: CONFIG_CHECK_NAME,
    head_sha: input.headSha,
    status: "completed",
    conclusion: parsed.ok ? "success" : "failure",
    output,
  });
  input.log.info({ repository: input.repository, sha: input.headSha, valid: parsed.ok }, "config checked");
}
