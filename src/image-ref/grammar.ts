/**
 * The OCI/Docker reference grammar, transcribed from distribution/reference
 * `regexp.go` (the grammar every registry and container runtime accepts).
 * Each piece is a string so the pieces compose into anchored expressions.
 */

const alphanumeric = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const domainNameComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const ipv6Address = "\\[(?:[a-fA-F0-9:]+)\\]";
const optionalPort = "(?::[0-9]+)?";
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6Address})`;
const domainAndPort = `${host}${optionalPort}`;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const name = `(?:${domainAndPort}/)?${remoteName}`;
const tag = "[\\w][\\w.-]{0,127}";
const digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

/** A whole reference: name, optional `:tag`, optional `@digest`. */
export const referencePattern = new RegExp(
  `^(?<name>${name})(?::(?<tag>${tag}))?(?:@(?<digest>${digest}))?$`,
);
export const namePattern = new RegExp(`^${name}$`);
export const domainPattern = new RegExp(`^${domainAndPort}$`);
export const remoteNamePattern = new RegExp(`^${remoteName}$`);
export const tagPattern = new RegExp(`^${tag}$`);
export const digestPattern = new RegExp(`^${digest}$`);
/** A bare 64-hex image ID, which Docker refuses as a repository name. */
export const hexIdentifierPattern = /^[a-f0-9]{64}$/;

/** Longest name (domain and path) a registry accepts. */
export const NAME_MAX_LENGTH = 255;

/**
 * Hex lengths of the digest algorithms registries implement (go-digest).
 * Other algorithms pass the grammar but no registry can resolve them.
 */
export const DIGEST_HEX_LENGTHS: Readonly<Record<string, number>> = {
  sha256: 64,
  sha384: 96,
  sha512: 128,
};

export const DEFAULT_DOMAIN = "docker.io";
export const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
export const OFFICIAL_REPOSITORY_PREFIX = "library/";

/**
 * Docker's rule for the first component of a name: it is a registry only if it
 * holds "." or ":", is `localhost`, or has an uppercase letter (paths cannot);
 * otherwise the name lives on Docker Hub.
 */
export function looksLikeRegistry(component: string): boolean {
  return /[.:]/.test(component) || component === "localhost" || component.toLowerCase() !== component;
}
