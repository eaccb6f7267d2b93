import { isCollection, isMap, isPair, isScalar, parseAllDocuments, visit } from "yaml";
import type { Document } from "yaml";
import { lineAt } from "../manifests/read-yaml.js";
import type { SyncBudgets } from "./budgets.js";
import type { RenderedObject } from "./cluster-port.js";
import { readFastYaml } from "./fast-yaml.js";
import { SyncError } from "./sync-error.js";

/** Kinds that live outside namespaces: a default namespace is never put on them. */
const CLUSTER_SCOPED = new Set([
  "Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass",
  "PriorityClass", "IngressClass", "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment", "APIService",
  "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
  "Node", "ClusterIssuer", "ComponentStatus", "FlowSchema", "PriorityLevelConfiguration",
]);

/** Whether a parsed file is a Go/Helm template rather than YAML: `{{` in a plain scalar, or a map used as a key. */
function looksLikeTemplate(text: string, documents: readonly Document.Parsed[]): boolean {
  if (!text.includes("{{")) return false;
  if (documents.some((document) => document.errors.length > 0)) return true;
  let template = false;
  for (const document of documents) {
    visit(document, {
      Scalar(_key, node) {
        if (node.type === "PLAIN" && typeof node.value === "string" && node.value.includes("{{")) template = true;
      },
      Pair(_key, node) {
        if (isPair(node) && isCollection(node.key)) template = true;
      },
    });
  }
  return template;
}

/**
 * The nodes of a document (collections, pairs, scalars, aliases), as `visit` would meet them, walked with a
 * stack: `visit` builds a path for every node and cost a third of a 1,000-object render.
 */
export function countNodes(document: Document.Parsed): number {
  let nodes = 0;
  const pending: unknown[] = [document.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || node === undefined) continue;
    nodes++;
    if (isPair(node)) pending.push(node.key, node.value);
    else if (isCollection(node)) for (const item of node.items) pending.push(item);
  }
  return nodes;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks one object and names what is missing: every object needs apiVersion, kind and metadata.name. A value that
 * may share parts with another (yaml's aliases) is copied before its namespace is set; a `fresh` one shares nothing.
 */
function toObject(value: unknown, where: string, defaultNamespace: string | undefined, fresh: boolean): RenderedObject {
  if (!isRecord(value)) throw new SyncError("invalid-object", `${where}: not a Kubernetes object (a mapping with apiVersion, kind and metadata.name)`);
  const metadata = value.metadata;
  const missing = [
    typeof value.apiVersion === "string" && value.apiVersion !== "" ? undefined : "apiVersion",
    typeof value.kind === "string" && value.kind !== "" ? undefined : "kind",
    isRecord(metadata) && typeof metadata.name === "string" && metadata.name !== "" ? undefined : "metadata.name",
  ].filter(Boolean);
  if (missing.length > 0) throw new SyncError("invalid-object", `${where}: missing ${missing.join(", ")}; every object needs apiVersion, kind and metadata.name`);
  const manifest = (fresh ? value : structuredClone(value)) as RenderedObject["manifest"];
  if (defaultNamespace !== undefined && manifest.metadata.namespace === undefined && !CLUSTER_SCOPED.has(manifest.kind)) {
    manifest.metadata.namespace = defaultNamespace;
  }
  return { source: where, manifest };
}

/** A `List` (or `ConfigMapList`, …) with items stands for its items, in order. */
function expandList(value: unknown, where: string, defaultNamespace: string | undefined, fresh: boolean): RenderedObject[] {
  if (isRecord(value) && typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items)) {
    return value.items.map((item, index) => toObject(item, `${where} items[${index}]`, defaultNamespace, fresh));
  }
  return [toObject(value, where, defaultNamespace, fresh)];
}

function overNodeBudget(nodes: number, where: string, budgets: SyncBudgets): SyncError {
  return new SyncError("over-budget", `${where}: ${nodes} YAML nodes; the budget is ${budgets.yamlNodes}`);
}

/**
 * The objects of one YAML text (a file, or kustomize's output), in document
 * order. Refuses templates, invalid YAML (with its line), and anything over
 * the node and alias budgets.
 */
export function parseManifests(text: string, file: string, options: { defaultNamespace?: string | undefined; budgets: SyncBudgets }): RenderedObject[] {
  const { budgets } = options;
  // Plain block YAML (most manifests, kustomize's output) is read by the fast path; anything else by `yaml`.
  const fast = readFastYaml(text, { maxAliasCount: budgets.yamlAliases });
  if (fast) {
    const objects: RenderedObject[] = [];
    let nodes = 0;
    for (const [index, document] of fast.entries()) {
      const where = fast.length > 1 ? `${file} (document ${index + 1})` : file;
      nodes += document.nodes;
      if (nodes > budgets.yamlNodes) throw overNodeBudget(nodes, where, budgets);
      objects.push(...expandList(document.value, where, options.defaultNamespace, !document.shared));
    }
    return objects;
  }
  const documents = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(documents) ? documents : [];
  if (looksLikeTemplate(text, list)) {
    throw new SyncError("template", `${file}: a template ({{ … }}), not plain YAML; render it in CI and commit the output, or use kustomize`);
  }
  const objects: RenderedObject[] = [];
  // The budget is the file's (kustomize's output is one file): documents add up, the message counts up to the one that passed it.
  let nodes = 0;
  for (const [index, document] of list.entries()) {
    const where = list.length > 1 ? `${file} (document ${index + 1})` : file;
    const [error] = document.errors;
    if (error) throw new SyncError("invalid-yaml", `${file}:${lineAt(text, error.pos[0])}: ${error.message.split("\n")[0]}`);
    nodes += countNodes(document);
    if (nodes > budgets.yamlNodes) throw overNodeBudget(nodes, where, budgets);
    if (document.contents === null || (isScalar(document.contents) && document.contents.value === null)) continue;
    if (!isMap(document.contents)) throw new SyncError("invalid-object", `${where}: not a Kubernetes object (a mapping with apiVersion, kind and metadata.name)`);
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: budgets.yamlAliases });
    } catch (cause) {
      throw new SyncError("over-budget", `${where}: ${(cause as Error).message}; the budget is ${budgets.yamlAliases} alias expansions`, { cause });
    }
    objects.push(...expandList(value, where, options.defaultNamespace, false));
  }
  return objects;
}
