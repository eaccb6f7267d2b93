import { Scalar, parse } from "yaml";

export const QUOTED_NOTE = "quoted to keep it a string";

/** True when `value`, written plain, reads back as that same string under YAML 1.2 and 1.1 (which Kubernetes uses). */
export function readsBackAsString(value: string): boolean {
  if (value === "" || value.trim() !== value) return false;
  try {
    return parse(value) === value && parse(value, { version: "1.1" }) === value;
  } catch {
    return false;
  }
}

/**
 * The source text for a new value in the quote style the old one used. A plain
 * value that would no longer read as a string (`1.10`, `true`, `""`) is
 * double-quoted instead, so a tag never turns into a number.
 */
export function renderScalar(style: Scalar["type"], value: string): { source: string; quoted: boolean } {
  if (style === Scalar.QUOTE_SINGLE) return { source: `'${value.replaceAll("'", "''")}'`, quoted: false };
  if (style === Scalar.QUOTE_DOUBLE) return { source: JSON.stringify(value), quoted: false };
  if (readsBackAsString(value)) return { source: value, quoted: false };
  return { source: JSON.stringify(value), quoted: true };
}
