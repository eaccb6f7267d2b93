/** A GitHub repository as GitHub's API takes it: owner and name apart. */
export interface RepositoryName {
  readonly owner: string;
  readonly name: string;
}

/**
 * `acme/manifests` → `{ owner: "acme", name: "manifests" }`. Names reach here
 * validated (settings, webhook payloads, button values checked by zod), so a
 * malformed one only gives empty parts, which GitHub answers as not found.
 */
export function repositoryName(fullName: string): RepositoryName {
  const [owner = "", name = ""] = fullName.split("/");
  return { owner, name };
}
