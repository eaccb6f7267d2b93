import type { Logger } from "pino";
import type { Probot } from "probot";
import type { InstallationClient, ManifestRepositories } from "./manifest-repositories.js";

/**
 * An installation's Octokit for a repository, whoever asks (the build webhook,
 * a Slack click): the installation is looked up once with the App's JWT and
 * remembered; a repository Bender is not installed on gives undefined.
 */
export class InstallationClients {
  readonly #ids = new Map<string, number>();
  readonly #lookups = new Map<string, Promise<number | undefined>>();

  constructor(private readonly probot: Probot) {}

  async forRepository(repository: string): Promise<InstallationClient | undefined> {
    let installationId = this.#ids.get(repository);
    if (installationId === undefined) {
      // Concurrent callers (a burst of clicks) share one lookup.
      let lookup = this.#lookups.get(repository);
      if (!lookup) {
        lookup = this.lookUp(repository).finally(() => this.#lookups.delete(repository));
        this.#lookups.set(repository, lookup);
      }
      installationId = await lookup;
      if (installationId === undefined) return undefined;
    }
    return this.forInstallation(installationId);
  }

  private async lookUp(repository: string): Promise<number | undefined> {
    const app = await this.probot.auth();
    const [owner = "", repo = ""] = repository.split("/");
    try {
      const { data } = await app.request("GET /repos/{owner}/{repo}/installation", { owner, repo });
      this.#ids.set(repository, data.id);
      return data.id;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  async forInstallation(installationId: number): Promise<InstallationClient> {
    return (await this.probot.auth(installationId)) as unknown as InstallationClient;
  }

  /** Every manifest repository of every installation, with its client (GET /app/installations, then discovery). */
  async allManifestRepositories(repositories: ManifestRepositories, log: Logger): Promise<{ repository: string; client: InstallationClient }[]> {
    const app = await this.probot.auth();
    const installations = await app.paginate("GET /app/installations", { per_page: 100 });
    const targets: { repository: string; client: InstallationClient }[] = [];
    for (const installation of installations) {
      const client = await this.forInstallation(installation.id);
      for (const repository of await repositories.forInstallation(client, installation.id, log)) {
        this.remember(repository, installation.id);
        targets.push({ repository, client });
      }
    }
    return targets;
  }

  remember(repository: string, installationId: number): void {
    this.#ids.set(repository, installationId);
  }

  /** After an uninstall, or a 404 for a remembered installation. */
  forget(repository: string): void {
    this.#ids.delete(repository);
  }
}
