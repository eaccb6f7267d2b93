import type { Logger } from "pino";
import { CONFIG_FILE } from "../config/index.js";
import type { ConfigStore } from "./config-store.js";
import { runGraphql } from "./graphql-client.js";
import type { GraphqlClient } from "./graphql-client.js";
import { repositoryName } from "./repository-name.js";

/** The REST and GraphQL parts of an installation's Octokit that discovery uses. */
export interface InstallationClient extends GraphqlClient {
  paginate: <T>(route: string, parameters?: Record<string, unknown>) => Promise<T[]>;
}

const REPOSITORIES_PER_QUERY = 50;

/**
 * Which repositories of an installation are manifest repositories (they have
 * `.github/bender.yml`). Given explicitly (BENDER_MANIFEST_REPOS), or
 * discovered: one REST listing and one GraphQL query per 50 repositories,
 * which also fills the config cache. Discovery is cached per installation and
 * forgotten when the installation's repositories change or a push adds or
 * removes a config.
 */
export class ManifestRepositories {
  readonly #byInstallation = new Map<number, { repositories: string[]; at: number }>();
  /** Discoveries under way: concurrent builds share one. */
  readonly #discovering = new Map<number, Promise<string[]>>();

  constructor(
    private readonly configs: ConfigStore,
    private readonly explicit: readonly string[] | undefined,
    private readonly maxAgeMs = 60 * 60 * 1000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get explicitList(): readonly string[] | undefined {
    return this.explicit;
  }

  forget(installationId?: number): void {
    if (installationId === undefined) this.#byInstallation.clear();
    else this.#byInstallation.delete(installationId);
  }

  async forInstallation(client: InstallationClient, installationId: number, log: Logger): Promise<string[]> {
    if (this.explicit) return [...this.explicit];
    const cached = this.#byInstallation.get(installationId);
    if (cached && this.now() - cached.at <= this.maxAgeMs) return cached.repositories;
    let discovery = this.#discovering.get(installationId);
    if (!discovery) {
      discovery = this.#discover(client, installationId, log).finally(() => this.#discovering.delete(installationId));
      this.#discovering.set(installationId, discovery);
    }
    return discovery;
  }

  async #discover(client: InstallationClient, installationId: number, log: Logger): Promise<string[]> {

    const listed = await client.paginate<{ full_name: string; archived?: boolean }>("GET /installation/repositories", { per_page: 100 });
    const candidates = listed.filter((repository) => !repository.archived).map((repository) => repository.full_name);
    const found: string[] = [];
    for (let start = 0; start < candidates.length; start += REPOSITORIES_PER_QUERY) {
      const batch = candidates.slice(start, start + REPOSITORIES_PER_QUERY);
      const declarations = ["$expression: String!"];
      const fields: string[] = [];
      const variables: Record<string, string> = { expression: `HEAD:${CONFIG_FILE}` };
      for (const [index, fullName] of batch.entries()) {
        const { owner, name } = repositoryName(fullName);
        declarations.push(`$o${index}: String!`, `$n${index}: String!`);
        variables[`o${index}`] = owner;
        variables[`n${index}`] = name;
        fields.push(`r${index}: repository(owner: $o${index}, name: $n${index}) { nameWithOwner object(expression: $expression) { ... on Blob { oid text } } }`);
      }
      const query = `query BenderDiscover(${declarations.join(", ")}) { ${fields.join(" ")} }`;
      const result = await runGraphql<Record<string, { nameWithOwner: string; object: { oid: string; text: string | null } | null } | null>>(client, query, variables);
      for (const index of batch.keys()) {
        const repository = result.data?.[`r${index}`];
        if (!repository?.object) continue;
        found.push(repository.nameWithOwner);
        this.configs.accept(repository.nameWithOwner, repository.object.oid, repository.object.text ?? undefined, log);
      }
    }
    log.info({ installationId, manifestRepositories: found }, "manifest repositories discovered");
    this.#byInstallation.set(installationId, { repositories: found, at: this.now() });
    return found;
  }
}
