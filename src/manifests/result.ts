/**
 * The manifest engine's result: one value from which the CLI, PR bodies,
 * commit messages and Slack messages are all rendered.
 */

/** Where in a file a reference was found, and so how its value is read and written. */
export const CHANGE_KINDS = [
  "container",
  "image-field",
  "helm-tag",
  "helm-digest",
  "kustomize-tag",
  "kustomize-digest",
  "argocd-kustomize",
  "marker-image",
  "marker-tag",
] as const;

export type ChangeKind = (typeof CHANGE_KINDS)[number];

export function isChangeKind(kind: string): kind is ChangeKind {
  return (CHANGE_KINDS as readonly string[]).includes(kind);
}

/** Why a file, or one reference in it, was left alone. */
export type SkipCode =
  | "invalid-yaml"
  | "contains-template"
  | "not-utf8"
  | "too-large"
  | "too-complex"
  | "read-only"
  | "outside-root"
  | "verify-failed"
  | "unreadable"
  | "digest-required"
  | "tag-required"
  | "rename-only"
  | "tag-suffix-only"
  | "empty-tag"
  | "unsupported-scalar"
  | "marker-invalid";

export interface Change {
  /** Relative to the tree's root, `/`-separated. */
  readonly file: string;
  /** 1-based line where the value starts. */
  readonly line: number;
  readonly kind: ChangeKind;
  /** The value as read, without quotes. */
  readonly before: string;
  readonly after: string;
  /** Something a reviewer should know, e.g. "stale digest removed". */
  readonly note?: string;
  /** 0-based index of the YAML document in a multi-document file. */
  readonly document: number;
  /** Keys and indices from the document root to the value, e.g. `spec.template.spec.containers[0].image`. */
  readonly yamlPath: string;
}

export interface Skipped {
  readonly file: string;
  /** Present when one reference was skipped rather than the whole file. */
  readonly line?: number;
  readonly code: SkipCode;
  /** A sentence a person can act on. */
  readonly reason: string;
}

/** What the engine decided for one file. `text` is present only when the file changes. */
export interface FileOutcome {
  readonly changes: readonly Change[];
  readonly skipped: readonly Skipped[];
  /** References to the image that already hold the new value. */
  readonly current?: number;
  readonly text?: string;
}

export interface BumpResult {
  readonly changes: readonly Change[];
  readonly skipped: readonly Skipped[];
}

/** Orders results by file, then line: the order people read them in. */
export function byFileThenLine(a: { file: string; line?: number }, b: { file: string; line?: number }): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return (a.line ?? 0) - (b.line ?? 0);
}
