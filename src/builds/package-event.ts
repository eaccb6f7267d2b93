import { z } from "zod";
import type { Build, BuildIntake, BuildSource } from "./build.js";
import { checkImage, compactSource, isCommit, isLogin, isRepositoryName } from "./build-fields.js";
import { describeIssues, renderValue } from "./problems.js";

/** GitHub sends a published container twice: as `registry_package` (older) and as `package`. */
export type PackageEventName = "registry_package" | "package";

const REGISTRY_URL_RULE = 'expected the registry\'s http(s) URL, e.g. "https://ghcr.io/acme"';
const fallbackDigestPattern = /^sha256:[a-f0-9]{64}$/;
const hostPattern = /^[A-Za-z0-9.-]+(?::(?<port>[0-9]+))?$/;

const envelopeSchema = z.object(
  { action: z.string({ error: "expected the webhook action as a string" }) },
  { error: "expected a package webhook payload: an object with action and the package" },
);

const packageTypeSchema = z.object(
  { package_type: z.string({ error: 'expected the package type as a string, e.g. "CONTAINER"' }) },
  { error: "expected the published package as an object" },
);

const tagSchema = z.object(
  {
    name: z.string({ error: "expected the tag name as a string" }).optional(),
    digest: z.string({ error: 'expected the tag\'s digest as a string, e.g. "sha256:…"' }).optional(),
  },
  { error: "expected the container tag as an object with name and digest" },
);

const versionSchema = z.object(
  {
    version: z.string({ error: "expected the version as a string (a container's is its digest)" }).optional(),
    name: z.string({ error: "expected the version name as a string" }).optional(),
    package_url: z.string({ error: 'expected the package URL as a string, e.g. "ghcr.io/acme/api:1.4.1"' }).optional(),
    // Only trusted when it is a full commit SHA; anything else is dropped, not refused.
    target_oid: z.unknown(),
    container_metadata: z
      .object({ tag: tagSchema.optional() }, { error: "expected the container metadata as an object with tag" })
      .nullish(),
  },
  { error: "expected the published version as an object with container_metadata" },
);

const containerSchema = z.object({
  name: z.string({ error: "expected the package name as a string" }).min(1, { error: "expected a package name" }),
  namespace: z.string({ error: "expected the package namespace (its owner) as a string" }).optional(),
  owner: z.object({ login: z.string({ error: "expected the owner's login as a string" }) }).nullish(),
  registry: z.object({ url: z.string({ error: REGISTRY_URL_RULE }).optional() }).nullish(),
  package_version: versionSchema,
});

type ContainerPackage = z.infer<typeof containerSchema>;

function fieldAt(value: unknown, key: string): unknown {
  if (value === null || typeof value !== "object") return undefined;
  return (value as Record<string, unknown>)[key];
}

function stringAt(value: unknown, key: string): string | undefined {
  const field = fieldAt(value, key);
  return typeof field === "string" ? field : undefined;
}

/** `ghcr.io` from `ghcr.io/acme/api:1.4.1`, when the first component is a host as Docker reads it. */
function packageUrlHost(packageUrl: string | undefined): string | undefined {
  const first = packageUrl?.split("/")[0] ?? "";
  const match = hostPattern.exec(first);
  if (match === null || !packageUrl?.includes("/")) return undefined;
  return first.includes(".") || match.groups?.["port"] !== undefined || first === "localhost" ? first.toLowerCase() : undefined;
}

/**
 * `ghcr.io` from `registry.url` (`https://ghcr.io/acme`), so GitHub Enterprise
 * registries work too. When the registry is null, the host of `package_url`
 * (what `docker pull` is given) stands in; when both are present and disagree,
 * the payload is refused rather than guessed, because a wrong host would
 * silently match no manifest.
 */
function registryHost(key: PackageEventName, container: ContainerPackage): { ok: true; host: string } | { ok: false; problem: string } {
  const fromPackageUrl = packageUrlHost(container.package_version.package_url);
  const url = container.registry?.url;
  if (url === undefined || url === "") {
    if (fromPackageUrl !== undefined) return { ok: true, host: fromPackageUrl };
    return {
      ok: false,
      problem: `${key}.registry.url is missing and ${key}.package_version.package_url names no registry host; ${REGISTRY_URL_RULE}`,
    };
  }
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || (parsed.protocol !== "https:" && parsed.protocol !== "http:") || parsed.host === "") {
    return { ok: false, problem: `${key}.registry.url is ${renderValue(url)}; ${REGISTRY_URL_RULE}` };
  }
  if (fromPackageUrl !== undefined && fromPackageUrl !== parsed.host) {
    return {
      ok: false,
      problem:
        `${key}.registry.url is ${renderValue(url)} but ${key}.package_version.package_url is ` +
        `${renderValue(container.package_version.package_url)}; expected both to name the same registry host`,
    };
  }
  return { ok: true, host: parsed.host };
}

/** The tag's digest when given (checked loudly), else the version, which for a container is its digest. */
function versionDigest(version: ContainerPackage["package_version"]): string | undefined {
  const tagDigest = version.container_metadata?.tag?.digest;
  if (tagDigest !== undefined && tagDigest !== "") return tagDigest;
  for (const candidate of [version.version, version.name]) {
    if (candidate !== undefined && fallbackDigestPattern.test(candidate)) return candidate;
  }
  return undefined;
}

function packageSource(payload: unknown, version: ContainerPackage["package_version"]): BuildSource | undefined {
  const source: BuildSource = {};
  const repository = stringAt(fieldAt(payload, "repository"), "full_name");
  if (repository !== undefined && isRepositoryName(repository)) source.repository = repository;
  const commit = version.target_oid;
  if (typeof commit === "string" && isCommit(commit)) source.commit = commit;
  // Bots (`github-actions[bot]`) are not logins a person can be mentioned by: left out.
  const author = stringAt(fieldAt(payload, "sender"), "login");
  if (author !== undefined && isLogin(author)) source.author = author;
  return compactSource(source);
}

/**
 * Reads a `registry_package` or `package` webhook. Only `published` container
 * packages with a tag are builds; the image is
 * `<registry host>/<namespace, lowercased>/<package name>:<tag>@<digest>`.
 *
 * 1. Check the envelope; other actions are ignored.
 * 2. Check the package type; npm, Maven and the rest are ignored.
 * 3. Check the container fields; an untagged version is ignored.
 * 4. Assemble the image from registry, namespace, name, tag and digest, and parse it.
 * 5. Take the source from what GitHub vouches for, dropping anything malformed.
 */
export function buildFromPackageEvent(eventName: PackageEventName, payload: unknown): BuildIntake {
  const key = eventName;
  const where = `the ${key} payload`;

  // 1.
  const envelope = envelopeSchema.safeParse(payload);
  if (!envelope.success) {
    return { kind: "invalid", problems: describeIssues(envelope.error.issues, payload, { prefix: "", where }) };
  }
  if (envelope.data.action !== "published") {
    return {
      kind: "ignored",
      reason: `${key} action ${renderValue(envelope.data.action)} is not handled; Bender acts on "published"`,
    };
  }

  // 2.
  const published = fieldAt(payload, key);
  const typed = packageTypeSchema.safeParse(published);
  if (!typed.success) {
    return { kind: "invalid", problems: describeIssues(typed.error.issues, published, { prefix: key, where: key }) };
  }
  const packageType = typed.data.package_type;
  if (packageType.toLowerCase() !== "container") {
    return {
      kind: "ignored",
      reason: `${key}.package_type is ${renderValue(packageType)}; Bender handles only container images ("CONTAINER")`,
    };
  }

  // 3.
  const parsed = containerSchema.safeParse(published);
  if (!parsed.success) {
    return { kind: "invalid", problems: describeIssues(parsed.error.issues, published, { prefix: key, where: key }) };
  }
  const container = parsed.data;
  const version = container.package_version;
  const tag = version.container_metadata?.tag?.name ?? "";
  if (tag === "") {
    return {
      kind: "ignored",
      reason: `${key}.package_version.container_metadata.tag.name is empty: an untagged version (such as one platform of a multi-platform image) is not a build to roll out`,
    };
  }

  // 4.
  const problems: string[] = [];
  const host = registryHost(key, container);
  if (!host.ok) problems.push(host.problem);
  const namespace = container.namespace || container.owner?.login || "";
  if (namespace === "") {
    problems.push(`${key}.namespace and ${key}.owner.login are both missing; expected the package owner's login`);
  }
  if (!host.ok || problems.length > 0) return { kind: "invalid", problems };

  const digest = versionDigest(version);
  const written = `${host.host}/${namespace.toLowerCase()}/${container.name}:${tag}${digest === undefined ? "" : `@${digest}`}`;
  const image = checkImage(written);
  if (!image.ok) {
    return {
      kind: "invalid",
      problems: [
        `${key}: the image ${renderValue(written)} assembled from registry.url, namespace, name, container_metadata.tag and the version's digest is ${image.rule}`,
      ],
    };
  }

  // 5.
  const source = packageSource(payload, version);
  const build: Build = { image: image.reference, origin: "package" };
  if (source !== undefined) build.source = source;
  return { kind: "build", build };
}
