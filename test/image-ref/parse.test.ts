// Tables ported from distribution/reference `reference_test.go` (TestReferenceParse, in
// go-tables.ts) and `regexp_test.go` (TestDomainRegexp, TestFullNameRegexp,
// TestReferenceRegexp, TestIdentifierRegexp), plus Bender's own parse rules.
import { describe, expect, it } from "vitest";
import { domainPattern, hexIdentifierPattern, namePattern, referencePattern } from "../../src/image-ref/grammar.js";
import { SHA256_F, referenceParseInvalid, referenceParseValid } from "./go-tables.js";
import type { InvalidCase } from "./go-tables.js";
import { parsed, rejected } from "../support/references.js";



describe("parseReference: reference_test.go TestReferenceParse", () => {
  it.each(referenceParseValid)("accepts $input", ({ input, name, repository, tag, digest }) => {
    const reference = parsed(input);
    expect(reference.name).toBe(name);
    expect(reference.repository).toBe(repository);
    expect(`${reference.domain}/${reference.path}`).toBe(repository);
    expect(reference.domain).not.toContain("/");
    expect(reference.tag).toBe(tag);
    expect(reference.digest).toBe(digest);
  });

  it.each(referenceParseInvalid)("rejects $input as $code", ({ input, code, part }) => {
    const error = rejected(input);
    expect(error.code).toBe(code);
    expect(error.part).toBe(part);
  });
});

describe("parseReference: Bender's own rules", () => {
  const bender: readonly InvalidCase[] = [
    // Go rejects these too; Bender also insists on the algorithm's exact lowercase hex length.
    { input: `repo@sha256:${"F".repeat(64)}`, code: "invalid-digest", part: "digest" },
    { input: `repo@sha256:${"f".repeat(65)}`, code: "invalid-digest", part: "digest" },
    { input: `repo@sha512:${"f".repeat(64)}`, code: "invalid-digest", part: "digest" },
    { input: "repo@sha256:abc", code: "invalid-digest", part: "digest" },
    { input: `repo@md5:${"f".repeat(32)}`, code: "unsupported-digest", part: "digest" },
    // Algorithm names must not resolve to Object.prototype members.
    { input: `repo@toString:${"f".repeat(64)}`, code: "unsupported-digest", part: "digest" },
    { input: `repo@constructor:${"f".repeat(64)}`, code: "unsupported-digest", part: "digest" },
    { input: "nginx:-bad", code: "invalid-tag", part: "tag" },
    { input: "nginx:.bad", code: "invalid-tag", part: "tag" },
    { input: `nginx:${"t".repeat(129)}`, code: "invalid-tag", part: "tag" },
    { input: "nginx:", code: "invalid-tag", part: "tag" },
    // Several faults: the leftmost (the name) is reported.
    { input: "aa/asdf$$^/aa:-bad@sha256:abc", code: "invalid-path", part: "path" },
  ];

  it.each(bender)("rejects $input as $code", ({ input, code, part }) => {
    const error = rejected(input);
    expect(error.code).toBe(code);
    expect(error.part).toBe(part);
  });

  it("accepts sha384 and a 128-character tag", () => {
    const sha384 = `sha384:${"a".repeat(96)}`;
    expect(parsed(`repo@${sha384}`).digest).toBe(sha384);
    expect(parsed(`repo:${"t".repeat(128)}`).tag).toBe("t".repeat(128));
  });

  it("accepts a 64-hex name once a tag or registry makes it more than an image ID, as Go does", () => {
    const hex = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a";
    expect(parsed(`${hex}:v1`).repository).toBe(`docker.io/library/${hex}`);
    expect(rejected(hex).code).toBe("name-hex-identifier");
  });

  it("keeps a name of exactly 255 characters", () => {
    const path = `library/${"a".repeat(255 - "docker.io/library/".length)}`;
    expect(parsed(`docker.io/${path}`).repository).toHaveLength(255);
    expect(rejected(`docker.io/${path}a`).code).toBe("name-too-long");
  });
});

describe("error messages name the input, the part and the rule", () => {
  it.each([
    { input: "nginx:-bad", part: 'tag "-bad"', rule: "does not start with" },
    { input: "repo@sha256:abc", part: 'digest "sha256:abc"', rule: '"algorithm:hex"' },
    { input: `repo@sha256:${"f".repeat(34)}`, part: `digest "sha256:${"f".repeat(34)}"`, rule: "exactly 64 lowercase hex digits" },
    { input: `repo@md5:${"f".repeat(32)}`, part: `digest "md5:${"f".repeat(32)}"`, rule: "sha256, sha384, sha512" },
    { input: "aa/asdf$$^/aa", part: 'path "aa/asdf$$^/aa"', rule: "path components are lowercase letters and digits" },
    { input: "docker/Docker:1", part: 'path "docker/Docker"', rule: "must be lowercase" },
    { input: "[fe80::1%eth0]:5000/repo", part: 'domain "[fe80::1%eth0]:5000"', rule: "bracketed IPv6 address" },
    { input: `${"a/".repeat(128)}a:tag`, part: `name "${"a/".repeat(128)}a"`, rule: "at most 255" },
  ])("$input", ({ input, part, rule }) => {
    const { message } = rejected(input);
    expect(message).toContain(`"${input}"`);
    expect(message).toContain(part);
    expect(message).toContain(rule);
  });

  it("says what is missing when there is nothing to name", () => {
    expect(rejected("").message).toBe('invalid image reference "": the reference is empty');
    expect(rejected(`@${SHA256_F}`).message).toContain("the repository name is empty");
  });
});

describe("grammar: regexp_test.go TestDomainRegexp", () => {
  it.each([
    ["test.com", true],
    ["test.com:10304", true],
    ["test.com:http", false],
    ["localhost", true],
    ["localhost:8080", true],
    ["a", true],
    ["a.b", true],
    ["ab.cd.com", true],
    ["a-b.com", true],
    ["-ab.com", false],
    ["ab-.com", false],
    ["ab.c-om", true],
    ["ab.-com", false],
    ["ab.com-", false],
    ["0101.com", true],
    ["001a.com", true],
    ["b.gbc.io:443", true],
    ["b.gbc.io", true],
    ["xn--n3h.com", true],
    ["Asdf.com", true],
    ["192.168.1.1:75050", true],
    ["192.168.1.1:750050", true],
    ["[fd00:1:2::3]:75050", true],
    ["[fd00:1:2::3]75050", false],
    ["[fd00:1:2::3]::75050", false],
    ["[fd00:1:2::3%eth0]:75050", false],
    ["[fd00123123123]:75050", true],
    ["[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:75050", true],
    ["[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:750505", true],
    ["fd00:1:2::3:75050", false],
  ] as const)("%s matches: %s", (input, match) => {
    expect(domainPattern.test(input)).toBe(match);
  });
});

describe("grammar: regexp_test.go TestFullNameRegexp", () => {
  it.each([
    ["", false],
    ["short", true],
    ["simple/name", true],
    ["library/ubuntu", true],
    ["docker/stevvooe/app", true],
    ["aa/aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb", true],
    ["aa/aa/bb/bb/bb", true],
    ["a/a/a/a", true],
    ["a/a/a/a/", false],
    ["a//a/a", false],
    ["a", true],
    ["a/aa", true],
    ["a/aa/a", true],
    ["foo.com", true],
    ["foo.com/", false],
    ["foo.com:8080/bar", true],
    ["foo.com:http/bar", false],
    ["foo.com/bar", true],
    ["foo.com/bar/baz", true],
    ["localhost:8080/bar", true],
    ["sub-dom1.foo.com/bar/baz/quux", true],
    ["blog.foo.com/bar/baz", true],
    ["a^a", false],
    ["aa/asdf$$^/aa", false],
    ["asdf$$^/aa", false],
    ["aa-a/a", true],
    [`${"a/".repeat(128)}a`, true],
    ["a-/a/a/a", false],
    ["foo.com/a-/a/a", false],
    ["-foo/bar", false],
    ["foo/bar-", false],
    ["foo-/bar", false],
    ["foo/-bar", false],
    ["_foo/bar", false],
    ["foo_bar", true],
    ["foo_bar.com", true],
    ["foo_bar.com:8080", false],
    ["foo_bar.com:8080/app", false],
    ["foo.com/foo_bar", true],
    ["____/____", false],
    ["_docker/_docker", false],
    ["docker_/docker_", false],
    ["b.gcr.io/test.example.com/my-app", true],
    ["xn--n3h.com/myimage", true],
    ["xn--7o8h.com/myimage", true],
    ["example.com/xn--7o8h.com/myimage", true],
    ["example.com/some_separator__underscore/myimage", true],
    ["example.com/__underscore/myimage", false],
    ["example.com/..dots/myimage", false],
    ["example.com/.dots/myimage", false],
    ["example.com/nodouble..dots/myimage", false],
    ["docker./docker", false],
    [".docker/docker", false],
    ["docker-/docker", false],
    ["-docker/docker", false],
    ["do..cker/docker", false],
    ["do__cker:8080/docker", false],
    ["do__cker/docker", true],
    ["registry.io/foo/project--id.module--name.ver---sion--name", true],
    ["Asdf.com/foo/bar", true],
    ["Foo/FarB", false],
  ] as const)("%s matches: %s", (input, match) => {
    expect(namePattern.test(input)).toBe(match);
  });
});

describe("grammar: regexp_test.go TestReferenceRegexp", () => {
  const digest = "sha256:be178c0543eb17f5f3043021c9e5fcf30285e557a4fc309cce97ff9ca6182912";
  it.each([
    { input: "registry.com:8080/myapp:tag", groups: { name: "registry.com:8080/myapp", tag: "tag", digest: undefined } },
    { input: `registry.com:8080/myapp@${digest}`, groups: { name: "registry.com:8080/myapp", tag: undefined, digest } },
    { input: `registry.com:8080/myapp:tag2@${digest}`, groups: { name: "registry.com:8080/myapp", tag: "tag2", digest } },
    { input: "registry.com:8080/myapp@sha256:badbadbadbad", groups: undefined },
    { input: "registry.com:8080/myapp:invalid~tag", groups: undefined },
    { input: "bad_hostname.com:8080/myapp:tag", groups: undefined },
    // localhost is read as a name, with 8080 as its tag
    { input: `localhost:8080@${digest}`, groups: { name: "localhost", tag: "8080", digest } },
    { input: `localhost:8080/name@${digest}`, groups: { name: "localhost:8080/name", tag: undefined, digest } },
    { input: `localhost:http/name@${digest}`, groups: undefined },
    { input: `localhost@${digest}`, groups: { name: "localhost", tag: undefined, digest } },
    { input: "registry.com:8080/myapp@bad", groups: undefined },
    { input: "registry.com:8080/myapp@2bad", groups: undefined },
  ])("$input", ({ input, groups }) => {
    const match = referencePattern.exec(input);
    expect(match?.groups === undefined ? undefined : { ...match.groups }).toEqual(groups);
  });
});

describe("grammar: regexp_test.go TestIdentifierRegexp", () => {
  it.each([
    ["da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821", true],
    ["7EC43B381E5AEFE6E04EFB0B3F0693FF2A4A50652D64AEC573905F2DB5889A1C", false],
    ["da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf", false],
    ["sha256:da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821", false],
    ["da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf98218482", false],
  ] as const)("%s matches: %s", (input, match) => {
    expect(hexIdentifierPattern.test(input)).toBe(match);
  });
});
