import { familiarRepository, parseReference, shortDigest } from "../../image-ref/index.js";
import type { ProposalMetadata } from "../../proposals/metadata.js";

/**
 * How a proposal's versions read in Slack: the distinct values the changes
 * replace, then the version proposed, e.g. `1.4.0 → 1.4.1`. Tags are shown
 * as tags, digests as `sha256:abcdef123456`.
 */
export interface VersionSummary {
  readonly image: string;
  readonly from: readonly string[];
  readonly to: string;
}

interface Version {
  readonly tag?: string | undefined;
  readonly digest?: string | undefined;
  /** Set when the value could not be read as a tag, digest or reference. */
  readonly raw?: string | undefined;
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

/** The familiar name of a canonical repository (`ghcr.io/acme/api`, `nginx`). */
export function imageName(metadata: Pick<ProposalMetadata, "repository">): string {
  const parsed = parseReference(metadata.repository);
  return parsed.ok ? familiarRepository(parsed.reference) : metadata.repository;
}

export function summarizeVersions(metadata: ProposalMetadata): VersionSummary {
  const target = targetVersion(metadata);
  const references = metadata.changes.filter((change) => !change.kind.endsWith("-digest"));
  // A digest written beside a tag moves with it: name the tag, and the digest only when nothing else changed.
  const counted = references.length > 0 ? references : metadata.changes;
  const befores = counted.map((change) => versionOfValue(change.kind, change.before)).filter((version) => version !== undefined);
  const short = befores.map((version) => label(version, false));
  // `latest → latest` says nothing: when a tag stays and its digest moves, show both.
  const full = short.includes(label(target, false)) && befores.some((version) => version.digest !== undefined);
  return {
    image: imageName(metadata),
    from: [...new Set(full ? befores.map((version) => label(version, true)) : short)],
    to: label(target, full),
  };
}

function targetVersion(metadata: ProposalMetadata): Version {
  if (metadata.tag !== undefined || metadata.digest !== undefined) return { tag: metadata.tag, digest: metadata.digest };
  const parsed = parseReference(metadata.reference);
  return parsed.ok ? { tag: parsed.reference.tag, digest: parsed.reference.digest } : { raw: metadata.reference };
}

/** Reads one manifest value by where it was found: a tag field, a digest field, or a whole reference. */
function versionOfValue(kind: string, value: string): Version | undefined {
  if (value === "") return undefined;
  if (DIGEST.test(value)) return { digest: value };
  if (kind.endsWith("-digest")) return { raw: value };
  if (kind.endsWith("-tag")) {
    const at = value.indexOf("@");
    return at === -1 ? { tag: value } : { tag: value.slice(0, at), digest: value.slice(at + 1) };
  }
  // Argo CD overrides read `[old=]new[:tag][@digest]`; the part after `=` is what runs.
  const reference = kind === "argocd-kustomize" ? value.slice(value.indexOf("=") + 1) : value;
  const parsed = parseReference(reference);
  return parsed.ok ? { tag: parsed.reference.tag, digest: parsed.reference.digest } : { raw: value };
}

function label(version: Version, withDigest: boolean): string {
  if (version.raw !== undefined) return version.raw;
  const digest = version.digest === undefined ? undefined : shortDigest(version.digest);
  if (version.tag === undefined) return digest ?? "latest";
  return withDigest && digest !== undefined ? `${version.tag}@${digest}` : version.tag;
}
