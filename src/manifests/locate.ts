import { isAlias, isMap, isScalar, isSeq } from "yaml";
import type { Alias, Document, Node, Scalar, YAMLMap } from "yaml";
import type { ImageReference } from "../image-ref/index.js";
import { parseReference } from "../image-ref/index.js";
import { aliasTargets } from "./anchors.js";
import {
  namesRepository,
  planArgoImageValue,
  planDigestValue,
  planReferenceValue,
  planTagValue,
} from "./plan-value.js";
import type { ValuePlan } from "./plan-value.js";
import type { ChangeKind, SkipCode } from "./result.js";

/** A scalar that may hold the target, with the rule that plans its new value. */
export interface Candidate {
  readonly node: Scalar;
  readonly kind: ChangeKind;
  readonly document: number;
  readonly yamlPath: string;
  readonly plan: (current: string) => ValuePlan;
}

/** A reference found but deliberately left alone, before any value is planned. */
export interface LocatedSkip {
  readonly offset: number;
  readonly code: SkipCode;
  readonly reason: string;
}

export interface Located {
  readonly candidates: Candidate[];
  readonly skips: LocatedSkip[];
}

type PathSegment = string | number;

const CONTAINER_KEYS = new Set(["containers", "initContainers", "ephemeralContainers"]);
const KUSTOMIZATION_KINDS = new Set(["Kustomization", "Component"]);
const KUSTOMIZATION_FILE_NAMES = new Set(["kustomization.yaml", "kustomization.yml", "Kustomization"]);
/** The marker is the whole comment: `# bender:image <repository>` or `# bender:tag <repository>`. */
const MARKER = /^[ \t]*#[ \t]*bender:(?<mode>image|tag)[ \t]+(?<repository>[^\s#]+)[ \t\r]*$/;

/** `spec.containers[0].image`: a path a person can find in the file. */
export function formatYamlPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out;
}

function stringValue(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === "string" ? node.value : undefined;
}

/**
 * Walks parsed YAML documents and lists every scalar that may refer to the
 * target, by structure (containers, Helm values, kustomize and Argo CD image
 * lists) and by explicit `# bender:` marker. Aliases are never expanded: an
 * alias in an image position resolves to its anchored scalar, which is edited
 * once, so a YAML bomb costs nothing here; aliases are resolved from one
 * anchor map built per document, so many aliases cost a single walk.
 */
export function locateCandidates(
  documents: readonly Document.Parsed[],
  text: string,
  fileName: string,
  target: ImageReference,
  firstDocument = 0,
): Located {
  const located: Located = { candidates: [], skips: [] };
  for (const [index, doc] of documents.entries()) {
    new DocumentWalker(doc, firstDocument + index, text, fileName, target, located).walkRoot();
  }
  return located;
}

class DocumentWalker {
  private aliases: Map<Alias, Node> | undefined;

  constructor(
    private readonly doc: Document.Parsed,
    private readonly document: number,
    private readonly text: string,
    private readonly fileName: string,
    private readonly target: ImageReference,
    private readonly out: Located,
  ) {}

  walkRoot(): void {
    const root = this.doc.contents;
    if (isMap(root)) {
      const kind = stringValue(root.get("kind", true));
      if (kind !== undefined ? KUSTOMIZATION_KINDS.has(kind) : KUSTOMIZATION_FILE_NAMES.has(this.fileName)) {
        this.kustomizeImages(root);
      }
      if (kind === "Application" && stringValue(root.get("apiVersion", true))?.startsWith("argoproj.io/")) {
        this.argoImages(root);
      }
    }
    this.walk(root, []);
  }

  private add(node: unknown, kind: ChangeKind, path: readonly PathSegment[], plan: (current: string) => ValuePlan): void {
    const scalar = isAlias(node) ? (this.aliases ??= aliasTargets(this.doc)).get(node) : node;
    if (!isScalar(scalar)) return;
    this.out.candidates.push({ node: scalar, kind, document: this.document, yamlPath: formatYamlPath(path), plan });
  }

  private walk(node: unknown, path: PathSegment[]): void {
    if (isMap(node)) {
      const imageHoldsOnlyTheRepository = this.helmMapping(node, path);
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        const valuePath = key === undefined ? path : [...path, key];
        if (key !== undefined && CONTAINER_KEYS.has(key) && isSeq(pair.value)) {
          for (const [index, item] of pair.value.items.entries()) {
            if (isMap(item)) {
              this.add(item.get("image", true), "container", [...valuePath, index, "image"], (v) => planReferenceValue(v, this.target));
            }
          }
        }
        if (key === "image" && !imageHoldsOnlyTheRepository) this.add(pair.value, "image-field", valuePath, (v) => planReferenceValue(v, this.target));
        this.walk(pair.value, valuePath);
      }
    } else if (isSeq(node)) {
      for (const [index, item] of node.items.entries()) this.walk(item, [...path, index]);
    } else if (isScalar(node)) {
      this.marker(node, path);
    }
  }

  /**
   * Helm values: `repository` (and optional `registry`) beside `tag` or
   * `version`, and maybe `digest`. Some charts name the repository `image`
   * (untagged) beside `tag`; the template joins them, so the tag is what
   * changes and the `image` value must stay untagged. Returns true then.
   */
  private helmMapping(map: YAMLMap, path: readonly PathSegment[]): boolean {
    const tagKey = map.has("tag") ? "tag" : map.has("version") ? "version" : undefined;
    if (tagKey === undefined) return false;
    const image = stringValue(map.get("image", true));
    const imageIsRepository = image !== undefined && namesUntagged(image);
    const repository = stringValue(map.get("repository", true)) ?? (imageIsRepository ? image : undefined);
    if (repository === undefined) return false;
    const registry = stringValue(map.get("registry", true));
    const name = registry ? `${registry.replace(/\/+$/, "")}/${repository}` : repository;
    if (!namesRepository(name, this.target)) return false;

    this.add(map.get(tagKey, true), "helm-tag", [...path, tagKey], (v) => planTagValue(v, this.target));
    if (map.has("digest")) {
      this.add(map.get("digest", true), "helm-digest", [...path, "digest"], (v) => planDigestValue(v, this.target, true));
    }
    return imageIsRepository && !map.has("repository");
  }

  /** Kustomize `images:` entries: the entry produces `newName` when set, else `name`. */
  private kustomizeImages(root: YAMLMap): void {
    const images = root.get("images", true);
    if (!isSeq(images)) return;
    for (const [index, entry] of images.items.entries()) {
      if (!isMap(entry)) continue;
      const produced = stringValue(entry.get("newName", true)) ?? stringValue(entry.get("name", true));
      if (produced === undefined || !namesRepository(produced, this.target)) continue;
      const path = ["images", index];
      const hasTag = entry.has("newTag");
      const hasDigest = entry.has("digest");
      if (hasTag) {
        this.add(entry.get("newTag", true), "kustomize-tag", [...path, "newTag"], (v) => planTagValue(v, this.target));
      }
      if (hasDigest) {
        this.add(entry.get("digest", true), "kustomize-digest", [...path, "digest"], (v) =>
          planDigestValue(v, this.target, hasTag),
        );
      }
      if (!hasTag && !hasDigest && entry.has("tagSuffix")) {
        this.out.skips.push({
          offset: entry.range?.[0] ?? 0,
          code: "tag-suffix-only",
          reason: "this images entry only appends tagSuffix to the tag the resources it applies to give, so Bender leaves it alone; add newTag for Bender to manage the version here",
        });
      } else if (!hasTag && !hasDigest) {
        this.out.skips.push({
          offset: entry.range?.[0] ?? 0,
          code: "rename-only",
          reason: "this images entry only renames; the tag comes from the resources it applies to, so Bender leaves it alone",
        });
      }
    }
  }

  /** Argo CD Application `spec.source(s).kustomize.images` overrides. */
  private argoImages(root: YAMLMap): void {
    const lists: { node: unknown; path: PathSegment[] }[] = [
      { node: root.getIn(["spec", "source", "kustomize", "images"], true), path: ["spec", "source", "kustomize", "images"] },
    ];
    const sources = root.getIn(["spec", "sources"], true);
    if (isSeq(sources)) {
      for (const [index, source] of sources.items.entries()) {
        if (isMap(source)) {
          lists.push({ node: source.getIn(["kustomize", "images"], true), path: ["spec", "sources", index, "kustomize", "images"] });
        }
      }
    }
    for (const { node, path } of lists) {
      if (!isSeq(node)) continue;
      for (const [index, item] of node.items.entries()) {
        this.add(item, "argocd-kustomize", [...path, index], (v) => planArgoImageValue(v, this.target));
      }
    }
  }

  /** `value # bender:image <repository>` or `value # bender:tag <repository>` on the same line. */
  private marker(node: Scalar, path: readonly PathSegment[]): void {
    const end = node.range?.[1];
    if (end === undefined) return;
    const lineEnd = this.text.indexOf("\n", end);
    const match = MARKER.exec(this.text.slice(end, lineEnd === -1 ? undefined : lineEnd));
    if (!match?.groups) return;
    const { mode, repository = "" } = match.groups;
    if (!namesRepository(repository, this.target)) return;
    if (mode === "tag") {
      this.add(node, "marker-tag", path, (v) => planTagValue(v, this.target));
      return;
    }
    this.add(node, "marker-image", path, (v) => planMarkedReference(v, this.target));
  }
}

function namesUntagged(value: string): boolean {
  const parsed = parseReference(value);
  return parsed.ok && parsed.reference.tag === undefined && parsed.reference.digest === undefined;
}

/**
 * A marked value may name a mirror of the target (the marker says which
 * repository it follows), so it keeps its own name and takes the target's
 * tag and digest.
 */
function planMarkedReference(current: string, target: ImageReference): ValuePlan {
  const parsed = parseReference(current);
  if (!parsed.ok) {
    return {
      action: "skip",
      code: "marker-invalid",
      reason: `the value marked with "bender:image" is not an image reference: ${parsed.error.message}`,
    };
  }
  const { domain, path, repository } = parsed.reference;
  return planReferenceValue(current, { ...target, domain, path, repository });
}
