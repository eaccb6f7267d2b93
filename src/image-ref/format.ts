import { DEFAULT_DOMAIN, OFFICIAL_REPOSITORY_PREFIX } from "./grammar.js";
import type { ImageReference } from "./parse.js";

/** The parts a written reference is made of; `name` keeps the form the author used. */
export interface ReferenceParts {
  readonly name: string;
  readonly tag?: string | undefined;
  readonly digest?: string | undefined;
}

/** Writes `name[:tag][@digest]`. */
export function formatReference({ name, tag, digest }: ReferenceParts): string {
  return `${name}${tag === undefined ? "" : `:${tag}`}${digest === undefined ? "" : `@${digest}`}`;
}

/** The shortest name Docker accepts for a repository: `nginx`, `bitnami/redis`, `ghcr.io/acme/api`. */
export function familiarRepository(reference: Pick<ImageReference, "domain" | "path">): string {
  if (reference.domain !== DEFAULT_DOMAIN) return `${reference.domain}/${reference.path}`;
  return reference.path.startsWith(OFFICIAL_REPOSITORY_PREFIX)
    ? reference.path.slice(OFFICIAL_REPOSITORY_PREFIX.length)
    : reference.path;
}

/** `sha256:0123456789ab`: enough of a digest for a person to tell two apart. */
export function shortDigest(digest: string): string {
  const [algorithm = "", hex = ""] = digest.split(":");
  return `${algorithm}:${hex.slice(0, 12)}`;
}

/** The last path component (`api` of `ghcr.io/acme/api`): a cheap screen before parsing a file. */
export function lastPathComponent(reference: Pick<ImageReference, "path">): string {
  const slash = reference.path.lastIndexOf("/");
  return reference.path.slice(slash + 1);
}

/** True when both name one repository, whatever their written forms. */
export function sameRepository(a: Pick<ImageReference, "repository">, b: Pick<ImageReference, "repository">): boolean {
  return a.repository === b.repository;
}
