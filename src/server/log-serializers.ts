import { pino } from "pino";

/** Keys whose values are request or event bodies: never logged, however an error carries them. */
const PAYLOAD_KEYS = new Set(["payload", "body", "rawBody", "data"]);
const MAX_DEPTH = 4;

function strip(value: unknown, depth: number): unknown {
  if (Array.isArray(value)) return depth >= MAX_DEPTH ? `[${value.length} items]` : value.slice(0, 10).map((item) => strip(item, depth + 1));
  if (typeof value !== "object" || value === null) return typeof value === "string" && value.length > 2_000 ? `${value.slice(0, 2_000)}…` : value;
  if (depth >= MAX_DEPTH) return "[object]";
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (PAYLOAD_KEYS.has(key)) out[key] = "[dropped]";
    else out[key] = strip(item, depth + 1);
  }
  return out;
}

/**
 * pino's error serializer without the payloads errors carry: Probot attaches
 * the whole webhook event (`event.payload`) to a failed delivery's error, and
 * Octokit's errors hold request and response bodies. A 30 MB body once made
 * a 31 MB log line. Kept: type, message, stack, status, ids, and nested
 * errors treated the same way; strings are cut at 2,000 characters.
 */
export function errorWithoutPayload(error: unknown): unknown {
  if (!(error instanceof Error)) return strip(error, 0);
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  const out = strip(serialized, 0) as Record<string, unknown>;
  if (error instanceof AggregateError) out.errors = error.errors.slice(0, 10).map((inner) => errorWithoutPayload(inner));
  return out;
}

/** The serializers every Bender logger uses. */
export const LOG_SERIALIZERS = { err: errorWithoutPayload } as const;
