import { isAlias, visit } from "yaml";
import type { Alias, Document, Node } from "yaml";

/**
 * What every alias of a document points at, found in one walk in document
 * order (an alias refers to the last anchor of its name before it, as YAML
 * and `Alias.resolve` say). `Alias.resolve` walks the whole document on each
 * call, so resolving every alias that way is quadratic: 4,000 aliases took
 * a minute.
 */
export function aliasTargets(doc: Document): Map<Alias, Node> {
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node>();
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) targets.set(node, target);
      } else if (node.anchor) {
        anchors.set(node.anchor, node);
      }
    },
  });
  return targets;
}
