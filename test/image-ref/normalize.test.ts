// Tables ported from distribution/reference `normalize_test.go` (TestValidateReferenceName,
// TestValidateRemoteName, TestParseRepositoryInfo in go-tables.ts; TestNormalizedSplitHostname,
// TestParseAnyReference, TestParseDockerRef, TestParseReferenceWithTagAndDigest,
// TestInvalidReferenceComponents here) and `reference_test.go` (TestDomainAndPath,
// TestParseNamed), plus Bender's own normalisation rules.
import { describe, expect, it } from "vitest";
import { familiarRepository, sameRepository } from "../../src/image-ref/index.js";
import {
  allValidInputs,
  invalidReferenceNames,
  invalidRemoteNames,
  repositoryInfo,
  validReferenceNames,
  validRemoteNames,
} from "./go-tables.js";
import { parsed, rejected } from "../support/references.js";



describe("normalize_test.go TestValidateReferenceName", () => {
  it.each(validReferenceNames)("accepts %s as %s", (input, repository) => {
    expect(parsed(input).repository).toBe(repository);
  });

  it.each(invalidReferenceNames)("rejects $input as $code", ({ input, code, part }) => {
    const error = rejected(input);
    expect(error.code).toBe(code);
    expect(error.part).toBe(part);
  });
});

describe("normalize_test.go TestValidateRemoteName", () => {
  it.each(validRemoteNames)("accepts %s on Docker Hub", (input) => {
    expect(parsed(input).repository).toBe(input.includes("/") ? `docker.io/${input}` : `docker.io/library/${input}`);
  });

  it.each(invalidRemoteNames)("rejects $input as $code", ({ input, code, part }) => {
    const error = rejected(input);
    expect(error.code).toBe(code);
    expect(error.part).toBe(part);
  });
});

describe("normalize_test.go TestParseRepositoryInfo", () => {
  const rows = repositoryInfo.flatMap((row) => row.forms.map((input) => ({ input, ...row })));
  it.each(rows)("$input is $repository, familiar $familiar", ({ input, domain, path, repository, familiar }) => {
    const reference = parsed(input);
    expect(reference.domain).toBe(domain);
    expect(reference.path).toBe(path);
    expect(reference.repository).toBe(repository);
    expect(familiarRepository(reference)).toBe(familiar);
  });
});

describe("domain and path split", () => {
  it.each([
    // normalize_test.go TestNormalizedSplitHostname
    ["test.com/foo", "test.com", "foo"],
    ["test_com/foo", "docker.io", "test_com/foo"],
    ["docker/migrator", "docker.io", "docker/migrator"],
    ["test.com:8080/foo", "test.com:8080", "foo"],
    ["test-com:8080/foo", "test-com:8080", "foo"],
    ["foo", "docker.io", "library/foo"],
    ["xn--n3h.com/foo", "xn--n3h.com", "foo"],
    ["xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"],
    ["docker.io/foo", "docker.io", "library/foo"],
    ["docker.io/library/foo", "docker.io", "library/foo"],
    ["docker.io/library/foo/bar", "docker.io", "library/foo/bar"],
    // reference_test.go TestDomainAndPath (Go's WithName does not normalise; "test_com/foo" has domain "" there)
    ["test:8080/foo", "test:8080", "foo"],
    ["test.com:8080/foo", "test.com:8080", "foo"],
    // reference_test.go TestParseNamed: Go's canonical-only ParseNamed rejects the familiar forms; Bender normalises them
    ["test.com", "docker.io", "library/test.com"],
    ["library/foo", "docker.io", "library/foo"],
  ] as const)("%s is %s + %s", (input, domain, path) => {
    const reference = parsed(input);
    expect(reference.domain).toBe(domain);
    expect(reference.path).toBe(path);
  });
});

describe("normalize_test.go TestParseAnyReference", () => {
  const digest = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
  it.each([
    ["redis", "docker.io/library/redis"],
    ["redis:latest", "docker.io/library/redis"],
    ["docker.io/library/redis:latest", "docker.io/library/redis"],
    [`redis@${digest}`, "docker.io/library/redis"],
    [`docker.io/library/redis@${digest}`, "docker.io/library/redis"],
    ["dmcgowan/myapp", "docker.io/dmcgowan/myapp"],
    ["dmcgowan/myapp:latest", "docker.io/dmcgowan/myapp"],
    ["docker.io/mcgowan/myapp:latest", "docker.io/mcgowan/myapp"],
    [`dmcgowan/myapp@${digest}`, "docker.io/dmcgowan/myapp"],
    [`docker.io/dmcgowan/myapp@${digest}`, "docker.io/dmcgowan/myapp"],
    ["dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", "docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9"],
    ["dbcc1", "docker.io/library/dbcc1"],
  ])("%s is %s", (input, repository) => {
    expect(parsed(input).repository).toBe(repository);
  });

  // ParseAnyReference turns these into digest-only references; Bender has none and behaves as ParseNormalizedNamed.
  it("treats a bare image ID as an error and `sha256:<hex>` as the name `sha256` with a tag", () => {
    expect(rejected(digest.slice("sha256:".length)).code).toBe("name-hex-identifier");
    const reference = parsed(digest);
    expect(reference.repository).toBe("docker.io/library/sha256");
    expect(reference.tag).toBe(digest.slice("sha256:".length));
  });
});

describe("normalize_test.go TestParseDockerRef", () => {
  // Go also adds ":latest" and drops a tag beside a digest; Bender keeps what was written, so only the repository is compared.
  it.each([
    ["busybox", "docker.io/library/busybox"],
    ["busybox:latest", "docker.io/library/busybox"],
    ["busybox@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582", "docker.io/library/busybox"],
    ["library/busybox", "docker.io/library/busybox"],
    ["docker.io/busybox", "docker.io/library/busybox"],
    ["docker.io/library/busybox", "docker.io/library/busybox"],
    ["docker.io/busybox:latest", "docker.io/library/busybox"],
    ["library/busybox:latest", "docker.io/library/busybox"],
    ["docker.io/library/busybox:latest", "docker.io/library/busybox"],
    ["gcr.io/library/busybox", "gcr.io/library/busybox"],
    [
      "gcr.io/library/busybox:latest@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582",
      "gcr.io/library/busybox",
    ],
  ])("%s is %s", (input, repository) => {
    expect(parsed(input).repository).toBe(repository);
  });
});

describe("normalize_test.go TestParseReferenceWithTagAndDigest and TestInvalidReferenceComponents", () => {
  it("keeps both the tag and the digest", () => {
    const digest = "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa";
    const reference = parsed(`busybox:latest@${digest}`);
    expect(reference.repository).toBe("docker.io/library/busybox");
    expect(reference.tag).toBe("latest");
    expect(reference.digest).toBe(digest);
  });

  it.each([
    ["-foo", "invalid-path"],
    ["busybox:-foo", "invalid-tag"],
    ["busybox@foo", "invalid-digest"],
  ])("rejects %s as %s", (input, code) => {
    expect(rejected(input).code).toBe(code);
  });
});

describe("Bender's repository identity", () => {
  it.each(["nginx", "library/nginx", "docker.io/nginx", "docker.io/library/nginx", "index.docker.io/library/nginx", "index.docker.io/nginx", "nginx:1.25", "Docker.IO/nginx"])(
    "%s is docker.io/library/nginx",
    (input) => {
      const reference = parsed(input);
      expect(reference.repository).toBe("docker.io/library/nginx");
      expect(familiarRepository(reference)).toBe("nginx");
      expect(sameRepository(reference, parsed("nginx"))).toBe(true);
    },
  );

  it.each([
    ["api", "api-worker"],
    ["redis", "bitnami/redis"],
    ["ghcr.io/acme/api", "ghcr.io/acme/api-worker"],
    ["ghcr.io/acme/api", "ghcr.io/acme/api/worker"],
    ["localhost/x", "localhost:5000/x"],
    ["registry.example.com/x", "registry.example.com:5000/x"],
    ["library/foo/bar", "foo/bar"],
    ["Foo/bar", "foo/bar"],
  ])("%s and %s are different repositories", (a, b) => {
    expect(sameRepository(parsed(a), parsed(b))).toBe(false);
  });

  it.each(["GHCR.io/acme/api", "ghcr.IO/acme/api:v1", "ghcr.io/acme/api@sha256:" + "0".repeat(64)])(
    "%s is ghcr.io/acme/api: registries are case-insensitive",
    (input) => {
      expect(sameRepository(parsed(input), parsed("ghcr.io/acme/api"))).toBe(true);
    },
  );

  it.each([
    ["registry.example.com:5000/team/app:1.0", "registry.example.com:5000", "team/app"],
    ["[::1]:5000/x", "[::1]:5000", "x"],
    ["[::1]/x", "[::1]", "x"],
    ["localhost/x", "localhost", "x"],
    ["localhost:5000/x", "localhost:5000", "x"],
    ["localhost", "docker.io", "library/localhost"],
  ] as const)("%s is %s + %s", (input, domain, path) => {
    const reference = parsed(input);
    expect(reference.domain).toBe(domain);
    expect(reference.path).toBe(path);
    expect(familiarRepository(reference)).toBe(domain === "docker.io" ? "localhost" : `${domain}/${path}`);
  });

  it("keeps `library/` where dropping it would change the meaning", () => {
    const hex = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a";
    expect(familiarRepository(parsed(`docker.io/${hex}`))).toBe(`library/${hex}`);
    expect(familiarRepository(parsed("docker.io/library/foo/bar"))).toBe("library/foo/bar");
  });

  it.each(allValidInputs)("the familiar form of %s parses back to the same repository", (input) => {
    const reference = parsed(input);
    expect(parsed(familiarRepository(reference)).repository).toBe(reference.repository);
  });
});
