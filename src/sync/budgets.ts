/** Every input of a sync run has a budget; over budget is a named refusal, never a stall or an out-of-memory. */
export interface SyncBudgets {
  /** Bytes of the gzipped tarball as downloaded. */
  readonly archiveBytes: number;
  /** Bytes extracted from the configured paths, all files together. */
  readonly extractedBytes: number;
  /** Bytes of one file. */
  readonly fileBytes: number;
  /** Entries read from the archive, in or out of the configured paths. */
  readonly entries: number;
  /** Objects rendered from all paths together. */
  readonly objects: number;
  /** YAML nodes of one file (counted when converting to objects). */
  readonly yamlNodes: number;
  /** YAML aliases expanded in one file. */
  readonly yamlAliases: number;
  /** Bytes `kubectl kustomize` may print for one folder. */
  readonly kustomizeOutputBytes: number;
  /** Milliseconds `kubectl kustomize` may take for one folder. */
  readonly kustomizeMs: number;
}

export const DEFAULT_BUDGETS: SyncBudgets = {
  archiveBytes: 100 * 1024 * 1024,
  extractedBytes: 64 * 1024 * 1024,
  fileBytes: 8 * 1024 * 1024,
  entries: 100_000,
  objects: 20_000,
  yamlNodes: 1_000_000,
  yamlAliases: 100,
  kustomizeOutputBytes: 64 * 1024 * 1024,
  kustomizeMs: 60_000,
};
