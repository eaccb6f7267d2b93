import { describe, expect, it } from "vitest";
import { buildFromPackageEvent } from "../../src/builds/index.js";
import type { BuildIntake, BuildSource, PackageEventName } from "../../src/builds/index.js";
import { examples, fixture, withValue } from "./payloads.js";
import type { Payload } from "./payloads.js";

const INDEX = "sha256:5f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b";
const COMMIT = "9f2c4e8a1b3d5f7091a2b4c6d8e0f1a3b5c7d9e1";
const VERSION = "registry_package.package_version";
const TAG = `${VERSION}.container_metadata.tag`;

const published = fixture("registry_package.published.container");
const publishedPackage = fixture("package.published.container");

function build(intake: BuildIntake) {
  if (intake.kind !== "build") throw new Error(`expected a build, got ${JSON.stringify(intake)}`);
  return intake.build;
}

function edit(payload: Payload, changes: Record<string, unknown>): Payload {
  let edited = payload;
  for (const [path, value] of Object.entries(changes)) edited = withValue(edited, path, value);
  return edited;
}

interface ValidCase {
  title: string;
  event: PackageEventName;
  payload: Payload;
  name: string;
  tag: string;
  digest: string | undefined;
  source: BuildSource | undefined;
}

const valid: ValidCase[] = [
  {
    title: "the registry_package fixture",
    event: "registry_package",
    payload: published,
    name: "ghcr.io/acme/api",
    tag: "1.4.1",
    digest: INDEX,
    source: { repository: "acme/api", commit: COMMIT, author: "octocat" },
  },
  {
    title: "the package fixture (lowercase package_type, a name with a slash, no commit)",
    event: "package",
    payload: publishedPackage,
    name: "ghcr.io/acme/platform/worker",
    tag: "2025.06.03-9f2c4e8",
    digest: INDEX,
    source: { repository: "acme/platform", author: "octocat" },
  },
  {
    title: "a mixed-case namespace, lowercased as GHCR does",
    event: "registry_package",
    payload: edit(published, { "registry_package.namespace": "Acme" }),
    name: "ghcr.io/acme/api",
    tag: "1.4.1",
    digest: INDEX,
    source: { repository: "acme/api", commit: COMMIT, author: "octocat" },
  },
  {
    title: "no namespace: the owner's login instead",
    event: "registry_package",
    payload: edit(published, { "registry_package.namespace": undefined, "registry_package.owner.login": "Acme-Corp" }),
    name: "ghcr.io/acme-corp/api",
    tag: "1.4.1",
    digest: INDEX,
    source: { repository: "acme/api", commit: COMMIT, author: "octocat" },
  },
  {
    title: "a GitHub Enterprise registry, host taken from registry.url",
    event: "registry_package",
    payload: edit(published, {
      "registry_package.registry.url": "https://containers.ghe.example.com/acme",
      [`${VERSION}.package_url`]: "containers.ghe.example.com/acme/api:1.4.1",
    }),
    name: "containers.ghe.example.com/acme/api",
    tag: "1.4.1",
    digest: INDEX,
    source: { repository: "acme/api", commit: COMMIT, author: "octocat" },
  },
  {
    title: "registry: null, host taken from package_url",
    event: "package",
    payload: edit(publishedPackage, {
      "package.registry": null,
      "package.package_version.package_url": "registry.acme.dev:5000/acme/platform/worker:2025.06.03-9f2c4e8",
    }),
    name: "registry.acme.dev:5000/acme/platform/worker",
    tag: "2025.06.03-9f2c4e8",
    digest: INDEX,
    source: { repository: "acme/platform", author: "octocat" },
  },
  {
    title: "no tag digest: the version, which is the digest",
    event: "registry_package",
    payload: edit(published, { [`${TAG}.digest`]: undefined }),
    name: "ghcr.io/acme/api",
    tag: "1.4.1",
    digest: INDEX,
    source: { repository: "acme/api", commit: COMMIT, author: "octocat" },
  },
  {
    title: "no digest anywhere: the tag alone",
    event: "registry_package",
    payload: edit(published, { [`${TAG}.digest`]: "", [`${VERSION}.version`]: "1.4.1", [`${VERSION}.name`]: "1.4.1" }),
    name: "ghcr.io/acme/api",
    tag: "1.4.1",
    digest: undefined,
    source: { repository: "acme/api", commit: COMMIT, author: "octocat" },
  },
  {
    title: "a bot sender, a branch as target_oid and no repository: source left out, build kept",
    event: "registry_package",
    payload: edit(published, {
      "sender.login": "github-actions[bot]",
      [`${VERSION}.target_oid`]: "main",
      repository: undefined,
    }),
    name: "ghcr.io/acme/api",
    tag: "1.4.1",
    digest: INDEX,
    source: undefined,
  },
];

describe("buildFromPackageEvent: builds", () => {
  it.each(valid)("$title", ({ event, payload, name, tag, digest, source }) => {
    const result = build(buildFromPackageEvent(event, payload));
    expect(result.origin).toBe("package");
    expect(result.image.name).toBe(name);
    expect(result.image.tag).toBe(tag);
    expect(result.image.digest).toBe(digest);
    expect(result.source).toEqual(source);
    if (source === undefined) expect(result).not.toHaveProperty("source");
  });

  it("accepts the upper-case CONTAINER package_type on the package event too", () => {
    const payload = withValue(publishedPackage, "package.package_type", "CONTAINER");
    expect(build(buildFromPackageEvent("package", payload)).image.repository).toBe("ghcr.io/acme/platform/worker");
  });
});

const ignored: ReadonlyArray<{ title: string; event: PackageEventName; payload: Payload; reason: string }> = [
  {
    title: "another action",
    event: "registry_package",
    payload: withValue(published, "action", "updated"),
    reason: 'registry_package action "updated" is not handled; Bender acts on "published"',
  },
  {
    title: "an npm package (fixture)",
    event: "package",
    payload: fixture("package.published.npm"),
    reason: 'package.package_type is "npm"; Bender handles only container images ("CONTAINER")',
  },
  {
    title: "a Maven package",
    event: "registry_package",
    payload: withValue(published, "registry_package.package_type", "maven"),
    reason: 'registry_package.package_type is "maven"; Bender handles only container images ("CONTAINER")',
  },
  {
    title: "an untagged platform manifest (fixture)",
    event: "registry_package",
    payload: fixture("registry_package.published.untagged"),
    reason:
      "registry_package.package_version.container_metadata.tag.name is empty: an untagged version (such as one platform of a multi-platform image) is not a build to roll out",
  },
  {
    title: "no tag object at all",
    event: "registry_package",
    payload: withValue(published, `${VERSION}.container_metadata`, null),
    reason:
      "registry_package.package_version.container_metadata.tag.name is empty: an untagged version (such as one platform of a multi-platform image) is not a build to roll out",
  },
];

describe("buildFromPackageEvent: ignored", () => {
  it.each(ignored)("$title", ({ event, payload, reason }) => {
    expect(buildFromPackageEvent(event, payload)).toEqual({ kind: "ignored", reason });
  });

  // The real payloads are all npm packages (one carries container metadata but says npm).
  it.each(examples("package").map((payload, index) => ({ index, payload })))(
    "webhooks-examples package example $index is ignored as npm",
    ({ payload }) => {
      expect(buildFromPackageEvent("package", payload)).toEqual({
        kind: "ignored",
        reason: 'package.package_type is "npm"; Bender handles only container images ("CONTAINER")',
      });
    },
  );
});

const invalid: ReadonlyArray<{ title: string; event: PackageEventName; payload: unknown; problems: string[] }> = [
  {
    title: "not an object",
    event: "registry_package",
    payload: "published",
    problems: ['the registry_package payload is "published"; expected a package webhook payload: an object with action and the package'],
  },
  {
    title: "an action that is not a string",
    event: "registry_package",
    payload: withValue(published, "action", 42),
    problems: ["action is 42; expected the webhook action as a string"],
  },
  {
    title: "the package object missing (wrong event name for the payload)",
    event: "package",
    payload: published,
    problems: ["package is missing; expected the published package as an object"],
  },
  {
    title: "no package_type",
    event: "registry_package",
    payload: withValue(published, "registry_package.package_type", undefined),
    problems: ['registry_package.package_type is missing; expected the package type as a string, e.g. "CONTAINER"'],
  },
  {
    title: "package_version null",
    event: "registry_package",
    payload: withValue(published, VERSION, null),
    problems: ["registry_package.package_version is null; expected the published version as an object with container_metadata"],
  },
  {
    title: "an empty package name",
    event: "registry_package",
    payload: withValue(published, "registry_package.name", ""),
    problems: ['registry_package.name is ""; expected a package name'],
  },
  {
    title: "a tag name that is not a string",
    event: "registry_package",
    payload: withValue(published, `${TAG}.name`, 141),
    problems: ["registry_package.package_version.container_metadata.tag.name is 141; expected the tag name as a string"],
  },
  {
    title: "a registry URL that is not a URL",
    event: "registry_package",
    payload: withValue(published, "registry_package.registry.url", "ghcr.io/acme"),
    problems: ['registry_package.registry.url is "ghcr.io/acme"; expected the registry\'s http(s) URL, e.g. "https://ghcr.io/acme"'],
  },
  {
    title: "registry.url and package_url naming different hosts",
    event: "registry_package",
    payload: withValue(published, "registry_package.registry.url", "https://CONTAINER.pkg.github.com/acme"),
    problems: [
      'registry_package.registry.url is "https://CONTAINER.pkg.github.com/acme" but registry_package.package_version.package_url is "ghcr.io/acme/api:1.4.1"; expected both to name the same registry host',
    ],
  },
  {
    title: "no registry and no package_url",
    event: "package",
    payload: edit(publishedPackage, { "package.registry": null, "package.package_version.package_url": undefined }),
    problems: [
      'package.registry.url is missing and package.package_version.package_url names no registry host; expected the registry\'s http(s) URL, e.g. "https://ghcr.io/acme"',
    ],
  },
  {
    title: "no namespace and no owner",
    event: "package",
    payload: edit(publishedPackage, { "package.namespace": "", "package.owner": null }),
    problems: ["package.namespace and package.owner.login are both missing; expected the package owner's login"],
  },
  {
    title: "a malformed tag digest",
    event: "registry_package",
    payload: withValue(published, `${TAG}.digest`, "sha256:5f3c"),
    problems: [
      'registry_package: the image "ghcr.io/acme/api:1.4.1@sha256:5f3c" assembled from registry.url, namespace, name, container_metadata.tag and the version\'s digest is not a valid image reference: the digest "sha256:5f3c" is not allowed: a digest is "algorithm:hex", e.g. "sha256:" followed by 64 lowercase hex digits',
    ],
  },
  {
    title: "a tag Docker does not allow",
    event: "registry_package",
    payload: withValue(published, `${TAG}.name`, "-rc1"),
    problems: [
      `registry_package: the image "${`ghcr.io/acme/api:-rc1@${INDEX}`.slice(0, 80)}…" assembled from registry.url, namespace, name, container_metadata.tag and the version's digest is not a valid image reference: the tag "-rc1" is not allowed: a tag is 1 to 128 characters from letters, digits, "_", "." and "-", and does not start with "." or "-"`,
    ],
  },
];

describe("buildFromPackageEvent: invalid", () => {
  it.each(invalid)("$title", ({ event, payload, problems }) => {
    expect(buildFromPackageEvent(event, payload)).toEqual({ kind: "invalid", problems });
  });
});
