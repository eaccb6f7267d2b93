/**
 * Test data ported from distribution/reference (github.com/distribution/reference),
 * `reference_test.go` (TestReferenceParse) and `normalize_test.go`
 * (TestValidateReferenceName, TestValidateRemoteName, TestParseRepositoryInfo).
 * Only the inputs and expected outcomes are ported. Expectations are those of
 * Go's normalising ParseNormalizedNamed, which is what `parseReference` does;
 * rows where Bender deliberately differs carry a comment saying why.
 * Shared by parse, normalize and format tests (format round-trips every valid input).
 */
import type { ReferenceError, ReferenceErrorCode } from "../../src/image-ref/index.js";

export const SHA256_F = `sha256:${"f".repeat(64)}`;
export const SHA512_F = `sha512:${"f".repeat(128)}`;

export interface ValidCase {
  readonly input: string;
  /** The name as written (Go's `Name()` from the non-normalising Parse). */
  readonly name: string;
  /** The canonical repository (Go's `Name()` from ParseNormalizedNamed). */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

export interface InvalidCase {
  readonly input: string;
  readonly code: ReferenceErrorCode;
  readonly part: ReferenceError["part"];
}

/** reference_test.go TestReferenceParse: the rows Go accepts. */
export const referenceParseValid: readonly ValidCase[] = [
  { input: "test_com", name: "test_com", repository: "docker.io/library/test_com" },
  { input: "test.com:tag", name: "test.com", repository: "docker.io/library/test.com", tag: "tag" },
  { input: "test.com:5000", name: "test.com", repository: "docker.io/library/test.com", tag: "5000" },
  { input: "test.com/repo:tag", name: "test.com/repo", repository: "test.com/repo", tag: "tag" },
  { input: "test:5000/repo", name: "test:5000/repo", repository: "test:5000/repo" },
  { input: "test:5000/repo:tag", name: "test:5000/repo", repository: "test:5000/repo", tag: "tag" },
  { input: `test:5000/repo@${SHA256_F}`, name: "test:5000/repo", repository: "test:5000/repo", digest: SHA256_F },
  {
    input: `test:5000/repo:tag@${SHA256_F}`,
    name: "test:5000/repo",
    repository: "test:5000/repo",
    tag: "tag",
    digest: SHA256_F,
  },
  { input: "test:5000/repo", name: "test:5000/repo", repository: "test:5000/repo" },
  // Commented out in Go (FIXME): "Uppercase" reads as a registry; Bender lowercases registries (DNS is case-insensitive).
  { input: "Uppercase/lowercase:tag", name: "Uppercase/lowercase", repository: "uppercase/lowercase", tag: "tag" },
  { input: "lowercase:Uppercase", name: "lowercase", repository: "docker.io/library/lowercase", tag: "Uppercase" },
  {
    input: "sub-dom1.foo.com/bar/baz/quux",
    name: "sub-dom1.foo.com/bar/baz/quux",
    repository: "sub-dom1.foo.com/bar/baz/quux",
  },
  {
    input: "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
    name: "sub-dom1.foo.com/bar/baz/quux",
    repository: "sub-dom1.foo.com/bar/baz/quux",
    tag: "some-long-tag",
  },
  {
    input: "b.gcr.io/test.example.com/my-app:test.example.com",
    name: "b.gcr.io/test.example.com/my-app",
    repository: "b.gcr.io/test.example.com/my-app",
    tag: "test.example.com",
  },
  // ☃.com in punycode
  { input: "xn--n3h.com/myimage:xn--n3h.com", name: "xn--n3h.com/myimage", repository: "xn--n3h.com/myimage", tag: "xn--n3h.com" },
  // 🐳.com in punycode
  {
    input: `xn--7o8h.com/myimage:xn--7o8h.com@${SHA512_F}`,
    name: "xn--7o8h.com/myimage",
    repository: "xn--7o8h.com/myimage",
    tag: "xn--7o8h.com",
    digest: SHA512_F,
  },
  { input: "foo_bar.com:8080", name: "foo_bar.com", repository: "docker.io/library/foo_bar.com", tag: "8080" },
  // Go's plain Parse calls "foo" the domain; normalised, "foo" has no "." or ":" so it is a Docker Hub namespace.
  { input: "foo/foo_bar.com:8080", name: "foo/foo_bar.com", repository: "docker.io/foo/foo_bar.com", tag: "8080" },
  { input: "192.168.1.1", name: "192.168.1.1", repository: "docker.io/library/192.168.1.1" },
  { input: "192.168.1.1:tag", name: "192.168.1.1", repository: "docker.io/library/192.168.1.1", tag: "tag" },
  { input: "192.168.1.1:5000", name: "192.168.1.1", repository: "docker.io/library/192.168.1.1", tag: "5000" },
  { input: "192.168.1.1/repo", name: "192.168.1.1/repo", repository: "192.168.1.1/repo" },
  { input: "192.168.1.1:5000/repo", name: "192.168.1.1:5000/repo", repository: "192.168.1.1:5000/repo" },
  { input: "192.168.1.1:5000/repo:5050", name: "192.168.1.1:5000/repo", repository: "192.168.1.1:5000/repo", tag: "5050" },
  { input: "[2001:db8::1]/repo", name: "[2001:db8::1]/repo", repository: "[2001:db8::1]/repo" },
  {
    input: "[2001:db8:1:2:3:4:5:6]/repo:tag",
    name: "[2001:db8:1:2:3:4:5:6]/repo",
    repository: "[2001:db8:1:2:3:4:5:6]/repo",
    tag: "tag",
  },
  { input: "[2001:db8::1]:5000/repo", name: "[2001:db8::1]:5000/repo", repository: "[2001:db8::1]:5000/repo" },
  {
    input: "[2001:db8::1]:5000/repo:tag",
    name: "[2001:db8::1]:5000/repo",
    repository: "[2001:db8::1]:5000/repo",
    tag: "tag",
  },
  {
    input: `[2001:db8::1]:5000/repo@${SHA256_F}`,
    name: "[2001:db8::1]:5000/repo",
    repository: "[2001:db8::1]:5000/repo",
    digest: SHA256_F,
  },
  {
    input: `[2001:db8::1]:5000/repo:tag@${SHA256_F}`,
    name: "[2001:db8::1]:5000/repo",
    repository: "[2001:db8::1]:5000/repo",
    tag: "tag",
    digest: SHA256_F,
  },
  { input: "[2001:db8::]:5000/repo", name: "[2001:db8::]:5000/repo", repository: "[2001:db8::]:5000/repo" },
  { input: "[::1]:5000/repo", name: "[::1]:5000/repo", repository: "[::1]:5000/repo" },
];

/**
 * reference_test.go TestReferenceParse: the rows Go rejects. Go's kinds map to
 * Bender's codes: ErrNameEmpty → empty; ErrReferenceInvalidFormat → name-empty,
 * invalid-path or invalid-domain (Bender names the part); ErrDigestInvalidLength →
 * invalid-digest; ErrDigestUnsupported → unsupported-digest.
 */
export const referenceParseInvalid: readonly InvalidCase[] = [
  { input: "", code: "empty", part: "reference" },
  { input: ":justtag", code: "name-empty", part: "name" },
  { input: `@${SHA256_F}`, code: "name-empty", part: "name" },
  { input: `repo@sha256:${"f".repeat(34)}`, code: "invalid-digest", part: "digest" },
  { input: `validname@invaliddigest:${"f".repeat(64)}`, code: "unsupported-digest", part: "digest" },
  { input: "Uppercase:tag", code: "name-uppercase", part: "path" },
  { input: "test:5000/Uppercase/lowercase:tag", code: "name-uppercase", part: "path" },
  { input: `${"a/".repeat(128)}a:tag`, code: "name-too-long", part: "name" },
  // Valid for Go's plain Parse ("a" as domain); normalised it gains "docker.io/" and is 265 > 255 long, as in ParseNormalizedNamed.
  { input: `${"a/".repeat(127)}a:tag-puts-this-over-max`, code: "name-too-long", part: "name" },
  { input: "aa/asdf$$^/aa", code: "invalid-path", part: "path" },
  { input: "[2001:db8::1]", code: "invalid-path", part: "path" },
  { input: "[2001:db8::1]:5000", code: "invalid-path", part: "path" },
  { input: "[2001:db8::1]:tag", code: "invalid-path", part: "path" },
  { input: "[fe80::1%eth0]:5000/repo", code: "invalid-domain", part: "domain" },
  { input: "[fe80::1%@invalidzone]:5000/repo", code: "invalid-path", part: "path" },
];

/** normalize_test.go TestValidateReferenceName, valid names, with their canonical repository. */
export const validReferenceNames: readonly (readonly [input: string, repository: string])[] = [
  ["docker/docker", "docker.io/docker/docker"],
  ["library/debian", "docker.io/library/debian"],
  ["debian", "docker.io/library/debian"],
  ["docker.io/docker/docker", "docker.io/docker/docker"],
  ["docker.io/library/debian", "docker.io/library/debian"],
  ["docker.io/debian", "docker.io/library/debian"],
  ["index.docker.io/docker/docker", "docker.io/docker/docker"],
  ["index.docker.io/library/debian", "docker.io/library/debian"],
  ["index.docker.io/debian", "docker.io/library/debian"],
  ["127.0.0.1:5000/docker/docker", "127.0.0.1:5000/docker/docker"],
  ["127.0.0.1:5000/library/debian", "127.0.0.1:5000/library/debian"],
  ["127.0.0.1:5000/debian", "127.0.0.1:5000/debian"],
  ["192.168.0.1", "docker.io/library/192.168.0.1"],
  ["192.168.0.1:80", "docker.io/library/192.168.0.1"],
  ["192.168.0.1:8/debian", "192.168.0.1:8/debian"],
  ["192.168.0.2:25000/debian", "192.168.0.2:25000/debian"],
  [
    "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
    "docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
  ],
  ["[fc00::1]:5000/docker", "[fc00::1]:5000/docker"],
  ["[fc00::1]:5000/docker/docker", "[fc00::1]:5000/docker/docker"],
  ["[fc00:1:2:3:4:5:6:7]:5000/library/debian", "[fc00:1:2:3:4:5:6:7]:5000/library/debian"],
  [
    "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
    "docker.io/library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
  ],
  // Go keeps the registry as written ("Docker"); Bender lowercases it (DNS names are case-insensitive).
  ["Docker/docker", "docker/docker"],
  ["DOCKER/docker", "docker/docker"],
];

/** normalize_test.go TestValidateReferenceName, invalid names. */
export const invalidReferenceNames: readonly InvalidCase[] = [
  { input: "https://github.com/docker/docker", code: "invalid-domain", part: "domain" },
  { input: "docker/Docker", code: "name-uppercase", part: "path" },
  { input: "-docker", code: "invalid-path", part: "path" },
  { input: "-docker/docker", code: "invalid-path", part: "path" },
  { input: "-docker.io/docker/docker", code: "invalid-domain", part: "domain" },
  { input: "docker///docker", code: "invalid-path", part: "path" },
  { input: "docker.io/docker/Docker", code: "name-uppercase", part: "path" },
  { input: "docker.io/docker///docker", code: "invalid-path", part: "path" },
  { input: "[fc00::1]", code: "invalid-path", part: "path" },
  { input: "[fc00::1]:5000", code: "invalid-path", part: "path" },
  { input: "fc00::1:5000/debian", code: "invalid-domain", part: "domain" },
  { input: "[fe80::1%eth0]:5000/debian", code: "invalid-domain", part: "domain" },
  { input: "[2001:db8:3:4::192.0.2.33]:5000/debian", code: "invalid-domain", part: "domain" },
  { input: "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", code: "name-hex-identifier", part: "name" },
];

/** normalize_test.go TestValidateRemoteName, valid names (all on Docker Hub; one component gains `library/`). */
export const validRemoteNames: readonly string[] = [
  "docker/docker",
  "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
  "docker-rules/docker",
  "docker---rules/docker",
  "doc/docker",
  "d/docker",
  "jess/t",
  "dock__er/docker",
];

/** normalize_test.go TestValidateRemoteName, invalid names. */
export const invalidRemoteNames: readonly InvalidCase[] = [
  { input: "docker/Docker", code: "name-uppercase", part: "path" },
  { input: "docker///docker", code: "invalid-path", part: "path" },
  { input: "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", code: "name-hex-identifier", part: "name" },
  { input: "-docker/docker", code: "invalid-path", part: "path" },
  { input: "docker-/docker", code: "invalid-path", part: "path" },
  { input: "-docker-/docker", code: "invalid-path", part: "path" },
  { input: "____/____", code: "invalid-path", part: "path" },
  { input: "_docker/_docker", code: "invalid-path", part: "path" },
  // A "." makes the first component a registry, so these fail as domains.
  { input: "dock..er/docker", code: "invalid-domain", part: "domain" },
  { input: "dock_.er/docker", code: "invalid-domain", part: "domain" },
  { input: "dock-.er/docker", code: "invalid-domain", part: "domain" },
  { input: "docker/", code: "invalid-path", part: "path" },
  {
    input: `${Array.from({ length: 4 }, () => "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255").join("_")}/docker`,
    code: "name-too-long",
    part: "name",
  },
];

export interface RepositoryInfoCase {
  /** Go's FamiliarName, FullName and (where listed) AmbiguousName: written forms of one repository. */
  readonly forms: readonly string[];
  readonly domain: string;
  /** Go's RemoteName. */
  readonly path: string;
  /** Go's FullName. */
  readonly repository: string;
  /** Go's FamiliarName. */
  readonly familiar: string;
}

function info(familiar: string, repository: string, domain: string, path: string, ambiguous?: string): RepositoryInfoCase {
  const forms = ambiguous === undefined ? [familiar, repository] : [familiar, repository, ambiguous];
  return { forms, domain, path, repository, familiar };
}

/** normalize_test.go TestParseRepositoryInfo: every written form parses to one repository. */
export const repositoryInfo: readonly RepositoryInfoCase[] = [
  info("fooo/bar", "docker.io/fooo/bar", "docker.io", "fooo/bar", "index.docker.io/fooo/bar"),
  info("ubuntu", "docker.io/library/ubuntu", "docker.io", "library/ubuntu", "library/ubuntu"),
  info("nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", "docker.io", "nonlibrary/ubuntu"),
  info("other/library", "docker.io/other/library", "docker.io", "other/library"),
  info("127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000", "private/moonbase"),
  info("127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase", "127.0.0.1:8000", "privatebase"),
  info("example.com/private/moonbase", "example.com/private/moonbase", "example.com", "private/moonbase"),
  info("example.com/privatebase", "example.com/privatebase", "example.com", "privatebase"),
  info("example.com:8000/private/moonbase", "example.com:8000/private/moonbase", "example.com:8000", "private/moonbase"),
  info("example.com:8000/privatebasee", "example.com:8000/privatebasee", "example.com:8000", "privatebasee"),
  info(
    "ubuntu-12.04-base",
    "docker.io/library/ubuntu-12.04-base",
    "docker.io",
    "library/ubuntu-12.04-base",
    "index.docker.io/library/ubuntu-12.04-base",
  ),
  info("foo", "docker.io/library/foo", "docker.io", "library/foo", "docker.io/foo"),
  info("library/foo/bar", "docker.io/library/foo/bar", "docker.io", "library/foo/bar"),
  info("store/foo/bar", "docker.io/store/foo/bar", "docker.io", "store/foo/bar"),
  // Go: domain "Foo", FullName and FamiliarName "Foo/bar". Bender lowercases the registry (DNS is
  // case-insensitive) and uppercases it in the familiar form, the only way it still reads as a registry.
  { forms: ["Foo/bar"], domain: "foo", path: "bar", repository: "foo/bar", familiar: "FOO/bar" },
  { forms: ["FOO/bar"], domain: "foo", path: "bar", repository: "foo/bar", familiar: "FOO/bar" },
];

/** Every input of these tables that Go accepts: each must survive parse then format unchanged. */
export const allValidInputs: readonly string[] = [
  ...referenceParseValid.map((row) => row.input),
  ...validReferenceNames.map(([input]) => input),
  ...validRemoteNames,
  ...repositoryInfo.flatMap((row) => row.forms),
];
