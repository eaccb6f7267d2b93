import type { ChildLoggerOptions, Logger } from "pino";

/** Binding keys renamed on the way into a child logger, e.g. `{ name: "component" }`. */
export type BindingRenames = Readonly<Record<string, string>>;

/** Renames for Bender's own children: `child({ name: "queue" })` binds `component: "queue"`. */
export const COMPONENT_RENAMES: BindingRenames = { name: "component" };
/** Renames for Probot's children (`name: "probot" | "event" | "octokit"…`, and `id`, the delivery id). */
export const PROBOT_RENAMES: BindingRenames = { name: "probot", id: "delivery" };

/**
 * One logger tree in which each key appears once per line. pino appends a
 * child's bindings to its parent's, so `child({name: "github"})` under a
 * logger named "bender", then Probot's `child({name: "probot"})`, wrote
 * `"name":"bender","name":"github","name":"probot"` (aggregators keep only
 * the last). Here every child is made from `base` with all the bindings
 * gathered so far, renamed by `renames`, so a deeper binding replaces a
 * shallower one of the same key instead of repeating it.
 */
export function logTree(base: Logger, renames: BindingRenames, gathered: Readonly<Record<string, unknown>> = {}): Logger {
  const target = Object.keys(gathered).length === 0 ? base : base.child(gathered);
  return new Proxy(target, {
    get(logger, property) {
      if (property === "child") {
        // Options (serializers, level) hold for the child and its descendants: they go on the base.
        return (bindings: Record<string, unknown> = {}, options?: ChildLoggerOptions) =>
          logTree(options ? base.child({}, options) : base, renames, { ...gathered, ...renamed(bindings, renames) });
      }
      const value: unknown = Reflect.get(logger, property, logger);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(logger) : value;
    },
  });
}

function renamed(bindings: Record<string, unknown>, renames: BindingRenames): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(bindings)) out[renames[key] ?? key] = value;
  return out;
}
