import type { Logger } from "pino";
import type { Probot } from "probot";
import type { InstallationClient, ManifestRepositories } from "./manifest-repositories.js";
import { repositoryName } from "./repository-name.js";

/**
 * An installation's Octokit for a repository, whoever asks (the build webhook,
 * a Slack click): the installation is looked up once with the App's JWT and
 * remembered; a repository Bender is not installed on gives undefined.
 */
export class InstallationClients {
  readonly #ids = new Map<string, number>();
  readonly #lookups = new Map<string, Promise<number | undefined>>();
  /** The App's installations, listed once for a burst of builds that name no repository. */
  #installations: { readonly ids: Promise<number[]>; readonly at: number } | undefined;

  constructor(
    private readonly probot: Probot,
    private readonly installationsMaxAgeMs = 60_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** GET /app/installations, shared by concurrent callers and kept a minute (or until an installation event). */
  async #installationIds(): Promise<number[]> {
    const cached = this.#installations;
    if (cached && this.now() - cached.at <= this.installationsMaxAgeMs) return cached.ids;
    const ids = (async () => {
      const app = await this.probot.auth();
      return (await app.paginate("GET /app/installations", { per_page: 100 })).map((installation) => installation.id);
    })();
    this.#installations = { ids, at: this.now() };
    ids.catch(() => {
      if (this.#installations?.ids === ids) this.#installations = undefined;
    });
    return ids;
  }

  /** An installation was added or removed: list them again next time. */
  forgetInstallations(): void {
    this.#installations = undefined;
  }

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
    const { owner, name: repo } = repositoryName(repository);
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
    const targets: { repository: string; client: InstallationClient }[] = [];
    for (const installationId of await this.#installationIds()) {
      const client = await this.forInstallation(installationId);
      for (const repository of await repositories.forInstallation(client, installationId, log)) {
        this.remember(repository, installationId);
        targets.push({ repository, client });
      }
    }
    return targets;
  }

  /**
   * The repositories a build or a sweep goes to, with their clients: those
   * named (a client is undefined where Bender is not installed), or else
   * every manifest repository of every installation.
   */
  async targets(named: readonly string[] | undefined, repositories: ManifestRepositories, log: Logger): Promise<{ repository: string; client: InstallationClient | undefined }[]> {
    if (!named) return this.allManifestRepositories(repositories, log);
    return Promise.all(named.map(async (repository) => ({ repository, client: await this.forRepository(repository) })));
  }

  remember(repository: string, installationId: number): void {
    this.#ids.set(repository, installationId);
  }

  /** After an uninstall, or a 404 for a remembered installation. */
  forget(repository: string): void {
    this.#ids.delete(repository);
  }
}
