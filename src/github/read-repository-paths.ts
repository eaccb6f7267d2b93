import { Probot } from "probot";
import { pino } from "pino";
import { asGitHubError } from "./github-error.js";
import { repositoryName } from "./repository-name.js";

export type RepositoryPaths =
  | { readonly kind: "files"; readonly paths: readonly string[]; readonly truncated: boolean }
  | { readonly kind: "not-installed" };

/**
 * The file paths of a repository's default branch, read as the App just created (its JWT, then an
 * installation token): one look-up of the installation, one of the repository, one recursive tree.
 * An App not installed on the repository is `not-installed`; any other failure throws as it came.
 */
export async function readRepositoryPaths(app: { id: number; pem: string }, apiUrl: string, repository: string): Promise<RepositoryPaths> {
  const { owner, name: repo } = repositoryName(repository);
  const probot = new Probot({ appId: app.id, privateKey: app.pem, baseUrl: apiUrl, log: pino({ level: "silent" }) });
  const appClient = await probot.auth();
  let installationId: number;
  try {
    installationId = (await appClient.request("GET /repos/{owner}/{repo}/installation", { owner, repo })).data.id;
  } catch (error) {
    if (asGitHubError(error)?.code === "not-found") return { kind: "not-installed" };
    throw error;
  }
  const client = await probot.auth(installationId);
  const { data: details } = await client.request("GET /repos/{owner}/{repo}", { owner, repo });
  const { data: tree } = await client.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", { owner, repo, tree_sha: details.default_branch, recursive: "1" });
  return { kind: "files", paths: tree.tree.filter((entry) => entry.type === "blob" && entry.path).map((entry) => entry.path ?? ""), truncated: tree.truncated };
}
