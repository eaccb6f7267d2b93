import type { Probot } from "probot";
import type { Logger } from "pino";
import type { BenderConfig } from "../../config/index.js";
import { summarizeProblems } from "../../config/index.js";
import type { ConfigProblem } from "../../config/index.js";
import { ConfigStore } from "../../github/config-store.js";
import { asGitHubError } from "../../github/github-error.js";
import type { GitHubError } from "../../github/github-error.js";
import { InstallationClients } from "../../github/installation-clients.js";
import { ManifestRepositories } from "../../github/manifest-repositories.js";
import { readApp } from "../../github/read-app.js";
import type { Settings } from "../../server/settings.js";
import { compareWithManifest, permissionsUrl } from "../compare-app.js";
import type { AppFacts } from "../compare-app.js";
import { failed, judged, passed, skipped } from "../report.js";
import type { CheckResult, Finding } from "../report.js";

/** A failure that got no answer from GitHub (refused, reset, DNS, timeout), or no GitHub failure at all. */
function offlineFailure(failure: GitHubError | undefined): boolean {
  return failure?.status === undefined;
}

/** GitHub's own words, when it gave some: ": 'Expiration time' claim ('exp') is too far in the future". */
function said(failure: GitHubError): string {
  return failure.detail ? `: ${failure.detail.slice(0, 200)}` : "";
}

export interface GithubFindings {
  readonly checks: CheckResult[];
  /** The valid configs read, for the Slack checks. */
  readonly configs: { repository: string; config: BenderConfig }[];
  /** Why the configs could not be read, when they could not. */
  readonly configsUnknown?: string;
}

/**
 * The GitHub checks, in order, each needing the one before: the App's JWT (GET /app), its permissions and
 * events against app.yml, its installations on the manifest repositories, and each repository's config.
 * Uses Bender's own pieces: Probot's App auth, InstallationClients, ManifestRepositories and ConfigStore.
 */
export async function githubChecks(probot: Probot, settings: Settings, appYml: string, log: Logger): Promise<GithubFindings> {
  const offline = `GitHub could not be reached at ${settings.githubApiUrl}`;
  const rest = (reason: string): CheckResult[] => [skipped("app-permissions", reason), skipped("installations", reason), skipped("configs", reason)];

  // 1. The JWT: Probot signs it with the key; GitHub says whether it belongs to APP_ID.
  let app: AppFacts;
  try {
    const found = await readApp(probot);
    const slug = found.slug ?? "";
    app = { slug, htmlUrl: found.htmlUrl, permissionsUrl: permissionsUrl(settings.githubWebUrl, slug, found.owner), permissions: found.permissions, events: found.events };
  } catch (error) {
    const failure = asGitHubError(error);
    if (!failure || offlineFailure(failure)) return { checks: [skipped("github-app", `${offline} (${(error as Error).message})`), ...rest(offline)], configs: [], configsUnknown: offline };
    const finding: Finding =
      failure.status === 401
        ? {
            problem: `GitHub refused the App's JWT (401${said(failure)}): the private key does not belong to App ${settings.appId}, it was revoked, or this machine's clock is off`,
            fix: "check APP_ID on the App's settings page (App ID); generate a new private key there and set PRIVATE_KEY or PRIVATE_KEY_PATH; check the clock (JWTs are valid for minutes)",
          }
        : { problem: `GET /app answered ${failure.status ?? "?"}: ${failure.message}`, fix: `check that ${settings.githubApiUrl} is the GitHub that holds App ${settings.appId} (GHE_HOST)` };
    return { checks: [failed("github-app", [finding]), ...rest("needs the github-app check to pass")], configs: [], configsUnknown: "needs the github-app check to pass" };
  }
  const checks: CheckResult[] = [passed("github-app", `App "${app.slug}" (id ${settings.appId}) accepted its JWT`)];

  // 2. Permissions and events.
  checks.push(judged("app-permissions", compareWithManifest(app, appYml), `permissions and events cover app.yml`));

  // 3. Installations: the repositories given, or those discovered (installed and holding .github/bender.yml).
  const configs = new ConfigStore();
  const installations = new InstallationClients(probot);
  const install = `${app.htmlUrl}/installations/new`;
  const repositories: string[] = [];
  const findings: Finding[] = [];
  try {
    if (settings.manifestRepositories) {
      for (const repository of settings.manifestRepositories) {
        if (await installations.forRepository(repository)) repositories.push(repository);
        else findings.push({ problem: `the App is not installed on ${repository} (BENDER_MANIFEST_REPOS)`, fix: `install it at ${install} and choose ${repository}` });
      }
    } else {
      const found = await installations.allManifestRepositories(new ManifestRepositories(configs, undefined), log);
      repositories.push(...found.map((target) => target.repository));
      if (repositories.length === 0) {
        findings.push({ problem: "no repository the App is installed on has .github/bender.yml (or the App is installed nowhere)", fix: `install the App at ${install} on the manifest repository, and add .github/bender.yml to it (docs/config.md)` });
      }
    }
  } catch (error) {
    const failure = asGitHubError(error);
    const reason = !failure || offlineFailure(failure) ? offline : `GitHub answered ${failure.status ?? "?"}: ${failure.message}`;
    checks.push(skipped("installations", reason), skipped("configs", reason));
    return { checks, configs: [], configsUnknown: reason };
  }
  checks.push(judged("installations", findings, `installed on ${repositories.join(", ") || "no repository"}`));

  // 4. Each config, read from the default branch (discovery already read them) and checked by Bender's parser.
  const valid: { repository: string; config: BenderConfig }[] = [];
  const configFindings: Finding[] = [];
  for (const repository of repositories) {
    const client = await installations.forRepository(repository);
    if (!client) continue;
    const lookup = await configs.load(client, repository);
    if (lookup.kind === "config") valid.push({ repository, config: lookup.config });
    else if (lookup.kind === "absent") configFindings.push({ problem: `${repository} has no .github/bender.yml on its default branch`, fix: "add one (docs/config.md; the set-up page offers a starter)" });
    else configFindings.push(...configProblems(repository, lookup.problems));
  }
  checks.push(judged("configs", configFindings, `${valid.length} valid ${valid.length === 1 ? "config" : "configs"}`));
  return { checks, configs: valid };
}

function configProblems(repository: string, problems: readonly ConfigProblem[]): Finding[] {
  return problems.map((problem) => ({
    problem: `${repository} ${problem.file}${problem.line === undefined ? "" : `:${problem.line}`}${problem.path ? ` ${problem.path}` : ""}: ${problem.message}`,
    fix: `edit ${problem.file} in ${repository} (${summarizeProblems(problems)}; docs/config.md)`,
  }));
}
