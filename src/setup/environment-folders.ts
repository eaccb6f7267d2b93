import { ENVIRONMENT_NAME } from "../config/fields.js";

/** Folder names under which each child folder is one environment (or cluster): clusters/staging, overlays/prod. */
const ENVIRONMENT_PARENTS = new Set(["clusters", "environments", "envs", "env", "overlays", "stages"]);
const YAML_FILE = /\.ya?ml$/i;

/** An environment name Bender accepts, from a folder name: lowercase, other characters as "-". */
function environmentName(folder: string): string | undefined {
  const name = folder.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+/, "").slice(0, 40).replace(/-+$/, "");
  return ENVIRONMENT_NAME.test(name) ? name : undefined;
}

/**
 * Guesses a manifest repository's environments from its file paths (a git tree): every YAML file below
 * `clusters/<name>/`, `environments/<name>/`, `overlays/<name>/`… belongs to environment <name>. One folder per
 * environment is written as a folder; several (apps/api/overlays/prod, apps/web/overlays/prod) become a glob with
 * `*` where they differ, or the list of folders. An empty result means no such layout was found.
 */
export function environmentFolders(paths: readonly string[]): Record<string, string[]> {
  const byEnvironment = new Map<string, Set<string>>();
  for (const file of paths) {
    if (!YAML_FILE.test(file) || file.startsWith(".")) continue;
    const parts = file.split("/");
    for (let index = 0; index < parts.length - 2; index++) {
      if (!ENVIRONMENT_PARENTS.has(parts[index] ?? "")) continue;
      const name = environmentName(parts[index + 1] ?? "");
      if (!name) continue;
      const folders = byEnvironment.get(name) ?? new Set<string>();
      folders.add(parts.slice(0, index + 2).join("/"));
      byEnvironment.set(name, folders);
      break;
    }
  }
  const result: Record<string, string[]> = {};
  for (const [name, folders] of byEnvironment) result[name] = collapse([...folders].sort());
  return result;
}

/** Folders that differ in one segment only become one glob (`apps/*\/overlays/prod/**`); otherwise they stay a list. */
function collapse(folders: string[]): string[] {
  if (folders.length < 2) return folders;
  const split = folders.map((folder) => folder.split("/"));
  const length = split[0]?.length ?? 0;
  if (!split.every((parts) => parts.length === length)) return folders;
  const differing = [...Array(length).keys()].filter((index) => new Set(split.map((parts) => parts[index])).size > 1);
  if (differing.length !== 1) return folders;
  const glob = (split[0] ?? []).map((part, index) => (index === differing[0] ? "*" : part));
  return [`${glob.join("/")}/**`];
}
