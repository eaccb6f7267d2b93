import { parseReference } from "../../src/image-ref/index.js";
import type { ImageReference, ReferenceError } from "../../src/image-ref/index.js";

/** Parses a reference a test relies on being valid; fails the test with the parser's message otherwise. */
export function parsed(input: string): ImageReference {
  const result = parseReference(input);
  if (!result.ok) throw new Error(`expected "${input}" to parse: ${result.error.message}`);
  return result.reference;
}

/** Parses a reference a test relies on being invalid, and returns the error. */
export function rejected(input: string): ReferenceError {
  const result = parseReference(input);
  if (result.ok) throw new Error(`expected "${input}" to be rejected, got ${result.reference.repository}`);
  return result.error;
}
