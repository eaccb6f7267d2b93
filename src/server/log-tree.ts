import type { ChildLoggerOptions, Logger } from "pino";
import { isShutdownAbort } from "../errors/shutdown-abort.js";

/** Binding keys renamed on the way into a child logger, e.g. `{ name: "component" }`. */
export type BindingRenames = Readonly<Record<string, string>>;

/** Renames for Bender's own children: `child({ name: "queue" })` binds `component: "queue"`. */
export const COMPONENT_RENAMES: BindingRenames = { name: "component" };
/** An error (or `{ err }`) a shutdown caused by abandoning GitHub requests (stoppable-fetch.ts), however nested. */
export function abandonedByShutdown(args: readonly unknown[]): boolean {
  const [first] = args;
  const error = (first as { err?: unknown } | undefined)?.err ?? first;
  if (isShutdownAbort(error)) return true;
  // Probot's webhooks wrap a handler's failures in an AggregateError (as Probot's own error handler reads them).
  return error instanceof AggregateError && error.errors.length > 0 && error.errors.every((inner) => abandonedByShutdown([inner]));
}

/** Renames for Probot's children (`name: "probot" | "event" | "octokit"…`, and `id`, the delivery id). */
export const PROBOT_RENAMES: BindingRenames = { name: "probot", id: "delivery" };

export interface LogTreeOptions {
  readonly renames: BindingRenames;
  /** Calls to leave out (of any level), e.g. Probot's error lines for work a shutdown abandoned, which Bender logs itself. */
  readonly skip?: (args: readonly unknown[]) => boolean;
}

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);

/**
 * One logger tree in which each key appears once per line. pino appends a
 * child's bindings to its parent's, so `child({name: "github"})` under a
 * logger named "bender", then Probot's `child({name: "probot"})`, wrote
 * `"name":"bender","name":"github","name":"probot"` (aggregators keep only
 * the last). Here every child is made from `base` with all the bindings
 * gathered so far, renamed by `renames`, so a deeper binding replaces a
 * shallower one of the same key instead of repeating it.
 */
export function logTree(base: Logger, options: LogTreeOptions): Logger {
  return branch(base, options, {});
}

function branch(base: Logger, options: LogTreeOptions, gathered: Readonly<Record<string, unknown>>): Logger {
  const target = Object.keys(gathered).length === 0 ? base : base.child(gathered);
  return new Proxy(target, {
    get(logger, property) {
      if (property === "child") {
        // Child options (serializers, level) hold for the child and its descendants: they go on the base.
        return (bindings: Record<string, unknown> = {}, childOptions?: ChildLoggerOptions) =>
          branch(childOptions ? base.child({}, childOptions) : base, options, { ...gathered, ...renamed(bindings, options.renames) });
      }
      const value: unknown = Reflect.get(logger, property, logger);
      if (typeof value !== "function") return value;
      const method = (value as (...args: unknown[]) => unknown).bind(logger);
      const { skip } = options;
      if (skip && typeof property === "string" && LEVELS.has(property)) return (...args: unknown[]) => (skip(args) ? undefined : method(...args));
      return method;
    },
  });
}

function renamed(bindings: Record<string, unknown>, renames: BindingRenames): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(bindings)) out[renames[key] ?? key] = value;
  return out;
}
