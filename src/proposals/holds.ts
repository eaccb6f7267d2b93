import { parse } from "yaml";
import type { YAMLMap } from "yaml";
import { z } from "zod";
import { parseReference } from "../image-ref/index.js";
import { renderList, withEntry, withoutEntries } from "./list-file.js";
import type { ListFileShape } from "./list-file.js";

/** Where holds live, on each environment's branch. */
export const HOLDS_PATH = ".bender/holds.yml";

/** The comment that opens the holds file, so whoever finds it knows what it is for. */
export const HOLDS_COMMENT = [
  "Written by Bender when someone unpins; an entry stops automation from",
  "moving that image in that environment until someone pins again.",
  "Delete an entry to release it.",
].join("\n");

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

/** `text` is the file as read, when there was one (what `withHold`/`withoutHold` edit). */
export type HoldsFile =
  | { readonly ok: true; readonly holds: readonly Hold[]; readonly text?: string | undefined }
  | { readonly ok: false; readonly reason: string };

const HOLD_KEYS = ["environment", "repository", "version", "by", "at", "reason"] as const satisfies readonly (keyof Hold)[];

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
  return { ok: true, holds: parsed.data?.holds ?? [], text };
}

/**
 * The hold on an (environment, repository), if any. A holds file that cannot
 * be read holds everything: automation must not move an environment whose
 * holds it cannot see.
 */
export function findHold(file: HoldsFile, environment: string, repository: string): Hold | "unreadable" | undefined {
  if (!file.ok) return "unreadable";
  return file.holds.find((hold) => hold.environment === environment && sameRepository(hold.repository, repository));
}

/** The holds file's shape, for the list-file editor. */
const HOLDS_SHAPE: ListFileShape<Hold> = { key: "holds", comment: HOLDS_COMMENT, fields: HOLD_KEYS };

/**
 * The holds file with `hold` in it, replacing any hold on the same
 * (environment, repository) and keeping every other entry. The file is
 * Bender's, so it is written whole with `yaml`, opened by `HOLDS_COMMENT`. A
 * file that cannot be edited as a list of holds (not YAML, or `holds` not a
 * list) is rewritten with only the new hold, its old text kept below as
 * comments for a person to sort out.
 */
export function withHold(text: string | undefined, hold: Hold): string {
  return withEntry(HOLDS_SHAPE, text, hold, (item) => isHoldFor(item, hold.environment, hold.repository));
}

/**
 * The holds file without the hold on (environment, repository), keeping every
 * other entry; undefined when there is no such hold (or no readable file), so
 * nothing needs writing.
 */
export function withoutHold(text: string | undefined, environment: string, repository: string): string | undefined {
  return withoutEntries(HOLDS_SHAPE, text, (item) => isHoldFor(item, environment, repository));
}

/** A fresh holds file with these holds. */
export function renderHolds(holds: readonly Hold[]): string {
  return renderList(HOLDS_SHAPE, holds);
}

function sameRepository(written: string, repository: string): boolean {
  return canonical(written) === canonical(repository);
}

function canonical(repository: string): string {
  const parsed = parseReference(repository);
  return parsed.ok ? parsed.reference.repository : repository;
}

function isHoldFor(item: YAMLMap, environment: string, repository: string): boolean {
  const itemEnvironment = item.get("environment");
  const itemRepository = item.get("repository");
  return itemEnvironment === environment && typeof itemRepository === "string" && sameRepository(itemRepository, repository);
}
