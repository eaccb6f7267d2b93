import { parse } from "yaml";
import { z } from "zod";
import { parseReference } from "../image-ref/index.js";

/** Where holds live, on each environment's branch. */
export const HOLDS_PATH = ".bender/holds.yml";

const holdSchema = z.object({
  environment: z.string().min(1),
  repository: z.string().min(1),
  version: z.string().optional(),
  by: z.string().optional(),
  at: z.string().optional(),
  reason: z.string().optional(),
});
const holdsFileSchema = z.object({ holds: z.array(holdSchema).default([]) }).nullable();

export type Hold = z.infer<typeof holdSchema>;

export type HoldsFile =
  | { readonly ok: true; readonly holds: readonly Hold[] }
  | { readonly ok: false; readonly reason: string };

/** Reads `.bender/holds.yml`; a missing file means no holds. */
export function parseHolds(text: string | undefined): HoldsFile {
  if (text === undefined) return { ok: true, holds: [] };
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 10 });
  } catch (error) {
    return { ok: false, reason: `${HOLDS_PATH} is not valid YAML: ${(error as Error).message.split("\n")[0]}` };
  }
  const parsed = holdsFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${HOLDS_PATH} is invalid at ${issue?.path.join(".") ?? ""}: ${issue?.message ?? ""}` };
  }
  return { ok: true, holds: parsed.data?.holds ?? [] };
}

/**
 * The hold on an (environment, repository), if any. A holds file that cannot
 * be read holds everything: automation must not move an environment whose
 * holds it cannot see.
 */
export function findHold(file: HoldsFile, environment: string, repository: string): Hold | "unreadable" | undefined {
  if (!file.ok) return "unreadable";
  return file.holds.find((hold) => {
    if (hold.environment !== environment) return false;
    const parsed = parseReference(hold.repository);
    return parsed.ok && parsed.reference.repository === repository;
  });
}
