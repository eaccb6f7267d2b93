// Round-trips every valid input of the distribution/reference tables (go-tables.ts, from
// `reference_test.go` and `normalize_test.go`); the composition cases come from
// `reference_test.go` (TestWithTag, TestWithDigest, TestSerialization) and
// `normalize_test.go` (TestParseReferenceWithTagAndDigest).
import { describe, expect, it } from "vitest";
import {
  familiarRepository,
  formatReference,
  lastPathComponent,
  parseReference,
  shortDigest,
} from "../../src/image-ref/index.js";
import { allValidInputs } from "./go-tables.js";
import { parsed } from "../support/references.js";


describe("formatReference", () => {
  it.each(allValidInputs)("gives %s back after parsing", (input) => {
    expect(formatReference(parsed(input))).toBe(input);
  });

  it.each([
    // reference_test.go TestSerialization
    ["example.com:8000/named", "example.com:8000/named", undefined, undefined],
    ["example.com:8000/named:tagged", "example.com:8000/named", "tagged", undefined],
    [
      "other.com/named@sha256:1234567890098765432112345667890098765432112345667890098765432112",
      "other.com/named",
      undefined,
      "sha256:1234567890098765432112345667890098765432112345667890098765432112",
    ],
  ])("%s splits into name, tag and digest and back", (input, name, tag, digest) => {
    const reference = parsed(input);
    expect([reference.name, reference.tag, reference.digest]).toEqual([name, tag, digest]);
    expect(formatReference({ name, tag, digest })).toBe(input);
  });

  const shortDigest37 = "sha256:1234567890098765432112345667890098765";
  it.each([
    // reference_test.go TestWithTag
    ["test.com/foo", "tag", undefined, "test.com/foo:tag"],
    ["foo", "tag2", undefined, "foo:tag2"],
    ["test.com:8000/foo", "tag4", undefined, "test.com:8000/foo:tag4"],
    ["test.com:8000/foo", "TAG5", undefined, "test.com:8000/foo:TAG5"],
    ["test.com:8000/foo", "TAG5", shortDigest37, `test.com:8000/foo:TAG5@${shortDigest37}`],
    // reference_test.go TestWithDigest
    ["test.com/foo", undefined, shortDigest37, `test.com/foo@${shortDigest37}`],
    ["foo", undefined, shortDigest37, `foo@${shortDigest37}`],
    ["test.com:8000/foo", undefined, shortDigest37, `test.com:8000/foo@${shortDigest37}`],
    ["test.com:8000/foo", "latest", shortDigest37, `test.com:8000/foo:latest@${shortDigest37}`],
  ])("composes %s, tag %s, digest %s into %s", (name, tag, digest, combined) => {
    expect(formatReference({ name, tag, digest })).toBe(combined);
    // Go's WithDigest does not check digests; Bender's parser wants all 64 hex digits of a sha256.
    expect(parseReference(combined).ok).toBe(digest === undefined);
  });

  it("writes the familiar form of a tagged and digested reference (TestParseReferenceWithTagAndDigest)", () => {
    const short = "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa";
    const reference = parsed(`docker.io/library/${short}`);
    expect(formatReference({ ...reference, name: familiarRepository(reference) })).toBe(short);
    expect(formatReference({ ...reference, name: reference.repository })).toBe(`docker.io/library/${short}`);
  });
});

describe("shortDigest", () => {
  it.each([
    ["sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa", "sha256:86e0e091d0da"],
    [`sha512:${"0123456789abcdef".repeat(8)}`, "sha512:0123456789ab"],
    [`sha384:${"a".repeat(96)}`, "sha384:aaaaaaaaaaaa"],
  ])("%s is %s", (digest, short) => {
    expect(shortDigest(digest)).toBe(short);
  });
});

describe("lastPathComponent", () => {
  it.each([
    ["nginx", "nginx"],
    ["bitnami/redis:7", "redis"],
    ["ghcr.io/acme/api", "api"],
    ["b.gcr.io/test.example.com/my-app:test.example.com", "my-app"],
    ["sub-dom1.foo.com/bar/baz/quux", "quux"],
    ["[::1]:5000/x", "x"],
    ["localhost:5000/team/x@sha256:" + "f".repeat(64), "x"],
    ["192.168.1.1:5000", "192.168.1.1"],
  ])("of %s is %s", (input, last) => {
    expect(lastPathComponent(parsed(input))).toBe(last);
  });
});
