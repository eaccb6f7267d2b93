import {
  DEFAULT_DOMAIN,
  DIGEST_HEX_LENGTHS,
  LEGACY_DEFAULT_DOMAIN,
  NAME_MAX_LENGTH,
  OFFICIAL_REPOSITORY_PREFIX,
  digestPattern,
  domainPattern,
  hexIdentifierPattern,
  looksLikeRegistry,
  remoteNamePattern,
  tagPattern,
} from "./grammar.js";

/** A parsed image reference: the name as written plus its canonical repository. */
export interface ImageReference {
  /** The repository exactly as written, e.g. `redis` or `ghcr.io/acme/api`. */
  readonly name: string;
  /** Canonical registry host (lowercase, with port), e.g. `docker.io`. */
  readonly domain: string;
  /** Canonical path inside the registry, e.g. `library/redis`. */
  readonly path: string;
  /** `domain/path`: equal for every written form of one repository. */
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

export type ReferenceErrorCode =
  | "empty"
  | "name-empty"
  | "name-too-long"
  | "name-uppercase"
  | "name-hex-identifier"
  | "invalid-domain"
  | "invalid-path"
  | "invalid-tag"
  | "invalid-digest"
  | "unsupported-digest";

/** Which part of a reference broke which rule, worded for the person who wrote it. */
export interface ReferenceError {
  readonly code: ReferenceErrorCode;
  readonly part: "reference" | "name" | "domain" | "path" | "tag" | "digest";
  readonly value: string;
  readonly message: string;
}

export type ParseReferenceResult =
  | { readonly ok: true; readonly reference: ImageReference }
  | { readonly ok: false; readonly error: ReferenceError };

const TAG_RULE =
  'a tag is 1 to 128 characters from letters, digits, "_", "." and "-", and does not start with "." or "-"';
const DIGEST_RULE =
  'a digest is "algorithm:hex", e.g. "sha256:" followed by 64 lowercase hex digits';
const PATH_RULE =
  'path components are lowercase letters and digits, separated by ".", "_", "__" or runs of "-", and joined by "/"';
const DOMAIN_RULE =
  'a registry is a host name, an IPv4 address or a bracketed IPv6 address, with an optional ":port"';

function failure(
  input: string,
  code: ReferenceErrorCode,
  part: ReferenceError["part"],
  value: string,
  rule: string,
): ParseReferenceResult {
  const what = part === "reference" ? "" : ` the ${part} "${value}" is not allowed:`;
  return {
    ok: false,
    error: { code, part, value, message: `invalid image reference "${input}":${what} ${rule}` },
  };
}

/** Splits a written name into registry and path the way Docker does (see `looksLikeRegistry`). */
function splitDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf("/");
  const first = slash === -1 ? "" : name.slice(0, slash);
  if (slash === -1 || !looksLikeRegistry(first)) return { domain: DEFAULT_DOMAIN, remainder: name };
  return { domain: first, remainder: name.slice(slash + 1) };
}

function checkDigest(input: string, digest: string): ParseReferenceResult | undefined {
  if (!digestPattern.test(digest)) {
    return failure(input, "invalid-digest", "digest", digest, DIGEST_RULE);
  }
  const [algorithm = "", hex = ""] = digest.split(":");
  // Own keys only: `toString:…` or `constructor:…` must not find Object.prototype.
  const length = Object.hasOwn(DIGEST_HEX_LENGTHS, algorithm) ? DIGEST_HEX_LENGTHS[algorithm] : undefined;
  if (length === undefined) {
    return failure(
      input,
      "unsupported-digest",
      "digest",
      digest,
      `digest algorithm "${algorithm}" is not one of ${Object.keys(DIGEST_HEX_LENGTHS).join(", ")}`,
    );
  }
  if (hex.length !== length || !/^[a-f0-9]+$/.test(hex)) {
    return failure(
      input,
      "invalid-digest",
      "digest",
      digest,
      `a ${algorithm} digest has exactly ${length} lowercase hex digits`,
    );
  }
  return undefined;
}

/**
 * Parses a reference in any written form (`nginx`, `library/nginx:1.25`,
 * `localhost:5000/a/b@sha256:…`, `[::1]:5000/x:y`) by the distribution/reference
 * grammar and Docker's normalisation. Invalid input is data, not an exception.
 * The name is checked before the tag and digest, so input that is wrong in
 * several places is reported at its leftmost fault.
 */
export function parseReference(input: string): ParseReferenceResult {
  if (input.length === 0) return failure(input, "empty", "reference", input, "the reference is empty");
  // Like ParseNormalizedNamed, only the whole input is an image ID: `<64 hex>:tag` is a valid name.
  if (hexIdentifierPattern.test(input)) {
    return failure(input, "name-hex-identifier", "name", input, "a 64-digit hex string is an image ID, not a repository name");
  }

  const at = input.indexOf("@");
  const beforeDigest = at === -1 ? input : input.slice(0, at);
  const digest = at === -1 ? undefined : input.slice(at + 1);
  const colon = beforeDigest.lastIndexOf(":");
  const hasTag = colon > beforeDigest.lastIndexOf("/");
  const name = hasTag ? beforeDigest.slice(0, colon) : beforeDigest;
  const tag = hasTag ? beforeDigest.slice(colon + 1) : undefined;

  if (name.length === 0) return failure(input, "name-empty", "name", name, "the repository name is empty");

  const { domain: writtenDomain, remainder } = splitDomain(name);
  if (remainder.toLowerCase() !== remainder) {
    return failure(input, "name-uppercase", "path", remainder, "repository paths must be lowercase");
  }
  if (!domainPattern.test(writtenDomain)) {
    return failure(input, "invalid-domain", "domain", writtenDomain, DOMAIN_RULE);
  }
  if (!remoteNamePattern.test(remainder)) {
    return failure(input, "invalid-path", "path", remainder, PATH_RULE);
  }

  const lowerDomain = writtenDomain.toLowerCase();
  const domain = lowerDomain === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : lowerDomain;
  const path =
    domain === DEFAULT_DOMAIN && !remainder.includes("/") ? OFFICIAL_REPOSITORY_PREFIX + remainder : remainder;
  const repository = `${domain}/${path}`;
  if (repository.length > NAME_MAX_LENGTH) {
    return failure(
      input,
      "name-too-long",
      "name",
      name,
      `the repository name is ${repository.length} characters; at most ${NAME_MAX_LENGTH} are allowed`,
    );
  }

  if (tag !== undefined && !tagPattern.test(tag)) return failure(input, "invalid-tag", "tag", tag, TAG_RULE);
  if (digest !== undefined) {
    const digestFailure = checkDigest(input, digest);
    if (digestFailure) return digestFailure;
  }
  return { ok: true, reference: { name, domain, path, repository, tag, digest } };
}
