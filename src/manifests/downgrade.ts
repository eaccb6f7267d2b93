import semver from "semver";
import { parseReference } from "../image-ref/index.js";
import type { Change } from "./result.js";

/** The tag a change's value holds, or undefined (a digest, or no tag). */
function tagOf(kind: Change["kind"], value: string): string | undefined {
  switch (kind) {
    case "helm-tag":
    case "kustomize-tag":
    case "marker-tag":
      return value;
    case "helm-digest":
    case "kustomize-digest":
      return undefined;
    case "argocd-kustomize":
      return tagOf("container", value.slice(value.indexOf("=") + 1));
    default: {
      const parsed = parseReference(value);
      return parsed.ok ? parsed.reference.tag : undefined;
    }
  }
}

/** A tag read as a semantic version (semver allows a leading `v`, as in `v1.4.0`), or undefined. */
function version(tag: string | undefined): semver.SemVer | undefined {
  return tag === undefined ? undefined : (semver.parse(tag) ?? undefined);
}

/**
 * When a change moves a value to a lower semantic version than it holds
 * (`1.5.0` → `1.4.1`), the two versions; otherwise undefined (not semver on
 * either side, equal, or higher). A bump that goes backwards may be a
 * rollback someone meant, or an old build arriving late: it is shown, and
 * `--no-downgrade` refuses it.
 */
export function downgradeOf(change: Pick<Change, "kind" | "before" | "after">): { from: string; to: string } | undefined {
  const fromTag = tagOf(change.kind, change.before);
  const toTag = tagOf(change.kind, change.after);
  const from = version(fromTag);
  const to = version(toTag);
  if (!from || !to || fromTag === undefined || toTag === undefined) return undefined;
  return semver.lt(to, from) ? { from: fromTag, to: toTag } : undefined;
}
