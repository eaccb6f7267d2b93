import { z } from "zod";
import { configSchema } from "./schema.js";

/**
 * The JSON Schema editors use for completion and hover help. It describes the
 * file as written (defaults are optional keys), in draft-07, which
 * yaml-language-server and most editors understand.
 */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: "input", target: "draft-07" });
}

/** The schema as the text of `docs/bender.schema.json`. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
