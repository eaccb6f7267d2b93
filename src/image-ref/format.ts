import { DEFAULT_DOMAIN, OFFICIAL_REPOSITORY_PREFIX, hexIdentifierPattern, looksLikeRegistry } from "./grammar.js";
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

/**
 * The shortest name Docker accepts for a repository: `nginx`, `bitnami/redis`,
 * `ghcr.io/acme/api`. Parsing it gives the same repository back.
 */
export function familiarRepository(reference: Pick<ImageReference, "domain" | "path">): string {
  const { domain, path } = reference;
  if (domain !== DEFAULT_DOMAIN) {
    // A registry like `foo` (written `Foo/bar`) is only told apart from a Docker Hub
    // namespace by an uppercase letter; `domain` is lowercase, so restore one.
    return `${looksLikeRegistry(domain) ? domain : domain.toUpperCase()}/${path}`;
  }
  const official = path.startsWith(OFFICIAL_REPOSITORY_PREFIX) ? path.slice(OFFICIAL_REPOSITORY_PREFIX.length) : path;
  // `library/foo/bar` keeps its prefix (without it, it reads as the `foo` namespace), and so
  // does `library/<64 hex>` (alone, it reads as an image ID).
  return official.includes("/") || hexIdentifierPattern.test(official) ? path : official;
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
