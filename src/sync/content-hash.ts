import { createHash } from "node:crypto";

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
  }
  return value;
}

/** sha256 of a manifest as canonical JSON: the same content hashes the same whatever the key order in git. */
export function contentHash(manifest: unknown): string {
  return createHash("sha256").update(JSON.stringify(canonical(manifest))).digest("hex");
}
