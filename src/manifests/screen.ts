import { DEFAULT_DOMAIN, LEGACY_DEFAULT_DOMAIN, OFFICIAL_REPOSITORY_PREFIX } from "../image-ref/grammar.js";
import type { ImageReference } from "../image-ref/index.js";
import { lastPathComponent } from "../image-ref/index.js";

/**
 * What a file's bytes must contain to be worth parsing for one repository.
 *
 * - `path` (`acme/api` of `ghcr.io/acme/api`): every written form of a
 *   reference outside Docker Hub's official images contains it whole, and so
 *   do kustomize names, Argo CD overrides and markers.
 * - `component` (`api`): Helm values may split the name as `registry:
 *   ghcr.io/acme` and `repository: api`; then the last component stands in a
 *   `repository` value. For Docker Hub's official images (`redis`, written
 *   `redis`, `library/redis`, `docker.io/redis`) the component is all there is,
 *   so it is enough on its own.
 */
export interface Screen {
  readonly path: Buffer | undefined;
  /** Lowercase registries that may be written before `path`: `ghcr.io`; `docker.io` and `index.docker.io`. */
  readonly domains: readonly string[];
  readonly component: Buffer;
}

const SPACE = 0x20;
const TAB = 0x09;
const SLASH = 0x2f;
const LINE_FEED = 0x0a;
/** What may follow a value's last spaces in YAML: a comment, a line end, or flow punctuation. */
const VALUE_END_BYTES = new Set([0x23 /* # */, 0x0d, LINE_FEED, 0x2c /* , */, 0x5d /* ] */, 0x7d /* } */]);
const MARKER_WORDS = ["bender:image", "bender:tag"].map((word) => Buffer.from(word));
const REPOSITORY_KEY = /repository["']?[ \t]*:/;
const REPOSITORY_WORD = Buffer.from("repository");

/** The screen for a target repository. */
export function screenFor(target: ImageReference): Screen {
  const official = target.domain === DEFAULT_DOMAIN && target.path.startsWith(OFFICIAL_REPOSITORY_PREFIX);
  return {
    path: official ? undefined : Buffer.from(target.path, "utf8"),
    domains: target.domain === DEFAULT_DOMAIN ? [DEFAULT_DOMAIN, LEGACY_DEFAULT_DOMAIN] : [target.domain],
    component: Buffer.from(lastPathComponent(target), "utf8"),
  };
}

/**
 * A cheap test run on raw bytes before a file is decoded and parsed: could the
 * file hold a reference to the repository? It looks for the screen's tokens
 * standing as a whole value's end: not inside a longer word (`apiVersion`,
 * `api-worker`, `public-api`, `/api/v1`), not inside prose ("the api of the
 * pool", `job="api"`). Most files of a manifest tree are never parsed.
 */
export function mayReferTo(bytes: Uint8Array, screen: Screen): boolean {
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (screen.path === undefined) return findValueEnd(haystack, screen.component, () => true);
  if (findValueEnd(haystack, screen.path, (index) => startsWithDomain(haystack, index, screen.domains))) return true;
  // Only a Helm `repository` value can hold the last component alone.
  if (!haystack.includes(REPOSITORY_WORD)) return false;
  return findValueEnd(haystack, screen.component, (index) => REPOSITORY_KEY.test(lineBefore(haystack, index)));
}

/** True when `token` occurs as a value's end somewhere and `accept` agrees there. */
function findValueEnd(haystack: Buffer, token: Buffer, accept: (index: number) => boolean): boolean {
  for (let index = haystack.indexOf(token); index !== -1; index = haystack.indexOf(token, index + 1)) {
    const after = index + token.length;
    if (isWordByte(haystack[index - 1]) || isWordByte(haystack[after]) || haystack[after] === SLASH) continue;
    if (isQuote(haystack[index - 1]) && !opensScalar(haystack[index - 2])) continue;
    if (isBlank(haystack[index - 1]) && !followsValueIndicator(haystack, index - 1)) continue;
    if (continuesWithWords(haystack, after)) continue;
    if (accept(index)) return true;
  }
  return false;
}

/**
 * Bytes that would make the token part of a longer word: letters (uppercase
 * too, as in `apiVersion`), digits, ".", "_" and "-".
 */
function isWordByte(byte: number | undefined): boolean {
  if (byte === undefined) return false;
  const lower = byte | 0x20;
  return (lower >= 0x61 && lower <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2e || byte === 0x5f || byte === 0x2d;
}

function isQuote(byte: number | undefined): boolean {
  return byte === 0x22 || byte === 0x27;
}

function isBlank(byte: number | undefined): boolean {
  return byte === SPACE || byte === TAB;
}

/** Bytes after which a scalar can open: `key: "…"`, `["…", "…"]`, `{a: "…"}`, a line start. */
function opensScalar(byte: number | undefined): boolean {
  return byte === undefined || isBlank(byte) || byte === LINE_FEED || byte === 0x0d || byte === 0x5b || byte === 0x7b || byte === 0x2c || byte === 0x3a;
}

/**
 * Before a value that starts after spaces stands a YAML indicator (`key: v`,
 * `- v`, `[a, v]`), an anchor or tag (`&a v`, `!!str v`), or a marker's
 * `bender:image`; otherwise the spaces separate words of prose.
 */
function followsValueIndicator(haystack: Buffer, blank: number): boolean {
  let end = blank;
  while (isBlank(haystack[end])) end--;
  if (end < 0 || opensScalar(haystack[end]) || haystack[end] === 0x2d /* - */ || haystack[end] === 0x3f /* ? */) return true;
  let start = end;
  while (start > 0 && !isBlank(haystack[start - 1]) && haystack[start - 1] !== LINE_FEED) start--;
  if (haystack[start] === 0x26 /* & */ || haystack[start] === 0x21 /* ! */) return true;
  const word = haystack.subarray(start, end + 1);
  return MARKER_WORDS.some((marker) => word.length >= marker.length && word.subarray(word.length - marker.length).equals(marker));
}

/** True when, after spaces, the text goes on with more words: the token is part of prose, not a value. */
function continuesWithWords(haystack: Buffer, after: number): boolean {
  let index = after;
  while (isBlank(haystack[index])) index++;
  if (index === after || index >= haystack.length) return false;
  return !VALUE_END_BYTES.has(haystack[index] ?? 0);
}

/**
 * A path written after a "/" must follow one of the target's registries
 * (`quay.io/acme/api` and `ghcr.io/team/acme/api` are other repositories); a
 * path standing alone may be a Helm `repository` beside a `registry`.
 */
function startsWithDomain(haystack: Buffer, index: number, domains: readonly string[]): boolean {
  if (haystack[index - 1] !== SLASH) return true;
  return domains.some((domain) => {
    const start = index - 1 - domain.length;
    return start >= 0 && !isWordByte(haystack[start - 1]) && haystack.toString("latin1", start, index - 1).toLowerCase() === domain;
  });
}

/** How far back a `repository:` key is looked for: a key and its value are near, and a bounded look keeps the screen linear. */
const KEY_LOOKBACK = 256;

/** The text of the line up to `index`, at most `KEY_LOOKBACK` bytes of it (a one-line file must not cost a scan per token). */
function lineBefore(haystack: Buffer, index: number): string {
  const windowStart = Math.max(0, index - KEY_LOOKBACK);
  const start = haystack.subarray(windowStart, index).lastIndexOf(LINE_FEED) + 1 + windowStart;
  return haystack.toString("latin1", start, index);
}
