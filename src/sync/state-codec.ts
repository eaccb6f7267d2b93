import { gunzipSync, gzipSync } from "node:zlib";
import { z } from "zod";
import type { SyncState } from "./cluster-types.js";

/**
 * A ConfigMap holds at most 1 MiB in all; each part stays under this many base64 characters so the rest of the
 * object (metadata, managed fields) fits beside it.
 */
export const STATE_PART_CHARACTERS = 900 * 1024;

/** Decompressed size a stored state may claim: far above several thousand objects, far below memory trouble. */
const MAX_STATE_BYTES = 64 * 1024 * 1024;

const objectRef = { apiVersion: z.string(), kind: z.string(), namespace: z.string().optional(), name: z.string() };
const stateSchema = z.object({
  commit: z.string(),
  etag: z.string().optional(),
  installationId: z.number().int().optional(),
  appliedAt: z.string(),
  result: z.string().optional(),
  inventory: z.array(z.object({ ...objectRef, hash: z.string() })),
});

/** The state as base64 text of gzipped JSON, cut into parts that each fit a ConfigMap. */
export function encodeSyncState(state: SyncState, partCharacters = STATE_PART_CHARACTERS): string[] {
  const text = gzipSync(JSON.stringify(state)).toString("base64");
  const parts: string[] = [];
  for (let start = 0; start < text.length; start += partCharacters) parts.push(text.slice(start, start + partCharacters));
  return parts;
}

export type DecodedState = { readonly ok: true; readonly state: SyncState } | { readonly ok: false; readonly reason: string };

/** The parts back into a state; a damaged or foreign state is a reason, not an exception. */
export function decodeSyncState(parts: readonly string[]): DecodedState {
  let json: unknown;
  try {
    const text = gunzipSync(Buffer.from(parts.join(""), "base64"), { maxOutputLength: MAX_STATE_BYTES }).toString("utf8");
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `the recorded state cannot be read: ${(error as Error).message}` };
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `the recorded state has an unexpected shape: ${parsed.error.issues[0]?.message ?? "invalid"}` };
  return { ok: true, state: parsed.data as SyncState };
}
