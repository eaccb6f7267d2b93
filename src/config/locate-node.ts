import { isAlias, isMap, isScalar, isSeq } from "yaml";
import type { Document, LineCounter, Node } from "yaml";

/**
 * Finds the line a path such as `environments.production.paths[0]` was
 * written on. A scalar points at itself; a map or list points at the key that
 * holds it (`production:` rather than the first line inside it); a path that
 * does not exist (a missing key) points at the deepest part that does.
 * Aliases are followed, so a problem in shared content points at its anchor.
 */
export function locateLine(document: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  let node = resolve(document, document.contents);
  let keyNode: Node | undefined;
  for (const step of path) {
    const next = child(document, node, step);
    if (next === undefined) break;
    node = next.value;
    keyNode = next.key;
  }
  const target = pick(node, keyNode);
  const offset = target?.range?.[0];
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function pick(node: Node | null | undefined, keyNode: Node | undefined): Node | undefined {
  const range = isScalar(node) ? node.range : undefined;
  const written = range !== undefined && range !== null && range[0] < range[1];
  if (written || keyNode === undefined) return node ?? undefined;
  return keyNode;
}

function child(
  document: Document,
  node: Node | null | undefined,
  step: PropertyKey,
): { key: Node | undefined; value: Node | null | undefined } | undefined {
  if (isSeq(node) && typeof step === "number") {
    const item = node.items[step];
    return item === undefined ? undefined : { key: undefined, value: resolve(document, item as Node) };
  }
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    const key = pair.key as Node | null;
    const name = isScalar(key) ? key.value : key;
    if (String(name) !== String(step)) continue;
    return { key: key ?? undefined, value: resolve(document, pair.value as Node | null) };
  }
  return undefined;
}

function resolve(document: Document, node: Node | null | undefined): Node | null | undefined {
  if (!isAlias(node)) return node;
  return (node.resolve(document) as Node | undefined) ?? node;
}
