import { formatReference, lastPathComponent, parseReference } from "../image-ref/index.js";
import type { ImageReference } from "../image-ref/index.js";
import type { SkipCode } from "./result.js";

/** What to do with one value: change it, leave it (already there, or not ours), or skip it with a reason. */
export type ValuePlan =
  | { readonly action: "change"; readonly value: string; readonly note?: string }
  | { readonly action: "unchanged" }
  | { readonly action: "not-ours" }
  | { readonly action: "skip"; readonly code: SkipCode; readonly reason: string };

const UNCHANGED: ValuePlan = { action: "unchanged" };
const NOT_OURS: ValuePlan = { action: "not-ours" };
const STALE_DIGEST_NOTE = "stale digest removed";

function tagRequired(target: ImageReference): ValuePlan {
  return {
    action: "skip",
    code: "tag-required",
    reason: `this value holds a tag, but ${formatReference(target)} names no tag; give the reference as repository:tag@digest`,
  };
}

function digestRequired(target: ImageReference): ValuePlan {
  return {
    action: "skip",
    code: "digest-required",
    reason: `this value is pinned by digest, but ${formatReference(target)} names no digest; give the reference as repository:tag@digest`,
  };
}

function changeTo(current: string, value: string, note?: string): ValuePlan {
  if (value === current) return UNCHANGED;
  return note === undefined ? { action: "change", value } : { action: "change", value, note };
}

/**
 * Plans a value that holds a whole reference (`repo`, `repo:tag`, `repo@digest`,
 * `repo:tag@digest`). The repository keeps its written form and the value keeps
 * its parts: a tag where it had one, a digest where it had one. An untagged value
 * takes every part the target has. A stale digest is dropped rather than kept,
 * since it would still select the old image.
 */
export function planReferenceValue(current: string, target: ImageReference): ValuePlan {
  // Most image values in a file are other images: skip parsing those.
  if (!current.includes(lastPathComponent(target))) return NOT_OURS;
  const parsed = parseReference(current);
  if (!parsed.ok || parsed.reference.repository !== target.repository) return NOT_OURS;
  const { name, tag, digest } = parsed.reference;

  if (tag === undefined && digest === undefined) {
    return changeTo(current, formatReference({ name, tag: target.tag, digest: target.digest }));
  }
  if (tag !== undefined && target.tag === undefined) return tagRequired(target);
  if (digest !== undefined && target.digest === undefined) {
    if (tag === undefined) return digestRequired(target);
    return changeTo(current, formatReference({ name, tag: target.tag }), STALE_DIGEST_NOTE);
  }
  return changeTo(
    current,
    formatReference({ name, tag: tag === undefined ? undefined : target.tag, digest: digest === undefined ? undefined : target.digest }),
  );
}

/** Plans a value that holds only a tag (Helm `tag`, kustomize `newTag`, `# bender:tag`). */
export function planTagValue(current: string, target: ImageReference): ValuePlan {
  if (current === "") {
    return {
      action: "skip",
      code: "empty-tag",
      reason: "the tag is empty, so the chart chooses the version (often its appVersion); set a tag for Bender to manage it",
    };
  }
  if (target.tag === undefined) return tagRequired(target);
  return changeTo(current, target.tag);
}

/**
 * Plans a value that holds only a digest (Helm `digest`, kustomize `digest`).
 * An empty digest is left empty: the file does not pin by digest.
 */
export function planDigestValue(current: string, target: ImageReference, hasTagBeside: boolean): ValuePlan {
  if (current === "") return UNCHANGED;
  if (target.digest !== undefined) return changeTo(current, target.digest);
  if (!hasTagBeside) return digestRequired(target);
  return changeTo(current, "", STALE_DIGEST_NOTE);
}

/**
 * Plans an Argo CD kustomize image override, `[old=]new[:tag][@digest]`:
 * the part after `=` is what the cluster runs, so that is what is matched.
 */
export function planArgoImageValue(current: string, target: ImageReference): ValuePlan {
  const equals = current.indexOf("=");
  const prefix = equals === -1 ? "" : current.slice(0, equals + 1);
  const plan = planReferenceValue(current.slice(prefix.length), target);
  return plan.action === "change" ? { ...plan, value: prefix + plan.value } : plan;
}

/** True when the written name (no tag) belongs to the target's repository. */
export function namesRepository(name: string, target: ImageReference): boolean {
  const parsed = parseReference(name);
  return parsed.ok && parsed.reference.tag === undefined && parsed.reference.digest === undefined
    && parsed.reference.repository === target.repository;
}
