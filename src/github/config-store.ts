import type { Logger } from "pino";
import { CONFIG_FILE, parseConfig } from "../config/index.js";
import type { ConfigProblem } from "../config/index.js";
import type { BenderConfig } from "../config/schema.js";
import { runGraphql } from "./graphql-client.js";
import type { GraphqlClient } from "./graphql-client.js";
import { repositoryName } from "./repository-name.js";

interface Entry {
  /** The last valid config, kept while a newer one is invalid. */
  readonly config: BenderConfig | undefined;
  readonly oid: string | undefined;
  readonly problems: readonly ConfigProblem[];
  readonly loadedAt: number;
}

export type ConfigLookup =
  | { readonly kind: "config"; readonly config: BenderConfig; /** Blob ID of the file the config came from. */ readonly oid: string | undefined }
  | { readonly kind: "absent" }
  | { readonly kind: "invalid"; readonly problems: readonly ConfigProblem[] };

const CONFIG_QUERY =
  "query BenderConfig($owner: String!, $name: String!, $expression: String!) { repository(owner: $owner, name: $name) { object(expression: $expression) { ... on Blob { oid text } } } }";

/**
 * The `.github/bender.yml` of each manifest repository, read from its default
 * branch. An invalid newer config never replaces a valid one: Bender keeps
 * using the last valid config (and says so) until the file is fixed.
 */
export class ConfigStore {
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<ConfigLookup>>();

  /**
   * Every proposal read also reads the config's blob ID and reloads the
   * config when it differs, so the age limit is only a safety net.
   */
  constructor(
    private readonly maxAgeMs = 60 * 60 * 1000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Records a config file's text (from a push, a discovery query, or a load). */
  accept(repository: string, oid: string | undefined, text: string | undefined, log?: Logger): ConfigLookup {
    const previous = this.#entries.get(repository);
    if (text === undefined) {
      this.#entries.set(repository, { config: undefined, oid: undefined, problems: [], loadedAt: this.now() });
      return { kind: "absent" };
    }
    const parsed = parseConfig(text);
    if (parsed.ok) {
      this.#entries.set(repository, { config: parsed.config, oid, problems: [], loadedAt: this.now() });
      return { kind: "config", config: parsed.config, oid };
    }
    // The invalid file's blob ID is recorded, so reads of it are not taken as a config change every time.
    this.#entries.set(repository, { config: previous?.config, oid, problems: parsed.problems, loadedAt: this.now() });
    log?.warn(
      { repository, problems: parsed.problems.length, keeping: previous?.config ? "the last valid config" : "nothing: Bender does nothing here until it is fixed" },
      "invalid .github/bender.yml",
    );
    return previous?.config ? { kind: "config", config: previous.config, oid } : { kind: "invalid", problems: parsed.problems };
  }

  /** The cached config, if fresh enough. */
  cached(repository: string): ConfigLookup | undefined {
    const entry = this.#entries.get(repository);
    if (!entry || this.now() - entry.loadedAt > this.maxAgeMs) return undefined;
    if (entry.config) return { kind: "config", config: entry.config, oid: entry.oid };
    return entry.problems.length > 0 ? { kind: "invalid", problems: entry.problems } : { kind: "absent" };
  }

  forget(repository: string): void {
    this.#entries.delete(repository);
  }

  /** Makes the next `load` read the file again, keeping the last valid config in case the new one is invalid. */
  expire(repository: string): void {
    const entry = this.#entries.get(repository);
    if (entry) this.#entries.set(repository, { ...entry, loadedAt: Number.NEGATIVE_INFINITY });
  }

  /** The config of a repository: from the cache, or read from GitHub (one request, shared by concurrent callers). */
  async load(client: GraphqlClient, repository: string, log?: Logger): Promise<ConfigLookup> {
    const cached = this.cached(repository);
    if (cached) return cached;
    let loading = this.#loading.get(repository);
    if (!loading) {
      loading = this.read(client, repository, log).finally(() => this.#loading.delete(repository));
      this.#loading.set(repository, loading);
    }
    return loading;
  }

  private async read(client: GraphqlClient, repository: string, log?: Logger): Promise<ConfigLookup> {
    const { owner, name } = repositoryName(repository);
    const result = await runGraphql<{ repository: { object: { oid: string; text: string | null } | null } | null }>(client, CONFIG_QUERY, {
      owner,
      name,
      expression: `HEAD:${CONFIG_FILE}`,
    });
    const blob = result.data?.repository?.object;
    return this.accept(repository, blob?.oid, blob?.text ?? undefined, log);
  }
}
