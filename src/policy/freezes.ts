import { parseDocument } from "yaml";
import { z } from "zod";
import { ENVIRONMENT_NAME } from "../config/fields.js";
import { renderList, withEntry, withoutEntries } from "../proposals/list-file.js";
import type { ListFileShape } from "../proposals/list-file.js";

/** Where freezes live, beside the holds, on each environment's branch. */
export const FREEZES_PATH = ".bender/freezes.yml";

/** The comment that opens the freezes file, so whoever finds it knows what it is for. */
export const FREEZES_COMMENT = [
  "Written by Bender when someone freezes an environment (/bender freeze);",
  "while an entry is in force, pins to that environment wait and Pin is refused.",
  "An entry with `until` thaws by itself; delete an entry to thaw it now.",
].join("\n");

/** What a freezes file may cost to read; it is a few entries, so anything near these is a mistake or an attack. */
export const FREEZES_BUDGET = { maxLength: 64_000, maxFreezes: 100, maxAliasCount: 10 } as const;

/** The longest reason a freeze may give (the command and the file agree). */
export const MAX_REASON = 500;
// eslint-disable-next-line no-control-regex -- a reason or a name is one line of plain text
const ONE_LINE = /^[^\u0000-\u001f\u007f]*$/;
const timestamp = z.iso.datetime({ offset: true, error: "must be a time with its zone, e.g. 2026-11-27T14:00:00Z" });

const freezeSchema = z
  .object({
    environment: z.string().regex(ENVIRONMENT_NAME, { error: "must be an environment name" }),
    by: z.string().min(1).max(200).regex(ONE_LINE, { error: "must be one line of text" }),
    reason: z.string().min(1).max(MAX_REASON, { error: `must be at most ${MAX_REASON} characters` }).regex(ONE_LINE, { error: "must be one line of text" }),
    since: timestamp,
    until: timestamp.optional(),
  })
  .refine((freeze) => freeze.until === undefined || Date.parse(freeze.until) > Date.parse(freeze.since), {
    path: ["until"],
    error: "must be later than since",
  });

const freezesFileSchema = z.object({ freezes: z.array(freezeSchema).max(FREEZES_BUDGET.maxFreezes).nullable().default([]) }).nullable();

/** One freeze: who froze which environment, why, since when and (optionally) until when, as ISO 8601 times. */
export type Freeze = z.output<typeof freezeSchema>;

/** Why a freezes file was refused; stable, so callers may branch on it. */
export type FreezesProblem = "too-large" | "invalid-yaml" | "too-many-aliases" | "too-many-freezes" | "invalid-freeze";

/** `text` is the file as read, when there was one (what `withFreeze`/`withoutFreeze` edit). */
export type FreezesFile =
  | { readonly ok: true; readonly freezes: readonly Freeze[]; readonly text?: string | undefined }
  | { readonly ok: false; readonly problem: FreezesProblem; readonly reason: string };

const FREEZE_KEYS = ["environment", "by", "reason", "since", "until"] as const satisfies readonly (keyof Freeze)[];

/**
 * Reads `.bender/freezes.yml`; a missing file means no freezes. The file is
 * editable by anyone with write access, so it is read within a budget and
 * every entry is validated; a refused file is named with its problem.
 */
export function parseFreezes(text: string | undefined): FreezesFile {
  if (text === undefined) return { ok: true, freezes: [] };
  if (text.length > FREEZES_BUDGET.maxLength) {
    return refused("too-large", `${FREEZES_PATH} is ${text.length} characters long; a freezes file is at most ${FREEZES_BUDGET.maxLength}`);
  }
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const error = document.errors[0];
  if (error !== undefined) return refused("invalid-yaml", `${FREEZES_PATH} is not valid YAML: ${error.message.split("\n")[0] ?? ""}`);
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: FREEZES_BUDGET.maxAliasCount });
  } catch (cause) {
    if (!(cause instanceof ReferenceError)) throw cause;
    return refused("too-many-aliases", `${FREEZES_PATH} uses aliases that expand past ${FREEZES_BUDGET.maxAliasCount}: write the entries out`);
  }
  const parsed = freezesFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue?.code === "too_big" && issue.path.length === 1) {
      return refused("too-many-freezes", `${FREEZES_PATH} lists more than ${FREEZES_BUDGET.maxFreezes} freezes`);
    }
    return refused("invalid-freeze", `${FREEZES_PATH} is invalid at ${issue?.path.join(".") ?? ""}: ${issue?.message ?? ""}`);
  }
  return { ok: true, freezes: parsed.data?.freezes ?? [], text };
}

/**
 * The freezes of an environment in force at `now` (since ≤ now < until). A
 * freezes file that cannot be read freezes everything: automation must not
 * pin an environment whose freezes it cannot see.
 */
export function freezesInForce(file: FreezesFile, environment: string, now: number): readonly Freeze[] | "unreadable" {
  if (!file.ok) return "unreadable";
  return file.freezes.filter((freeze) => freeze.environment === environment && inForce(freeze, now));
}

/** Whether a freeze holds at `now`. */
export function inForce(freeze: Freeze, now: number): boolean {
  return Date.parse(freeze.since) <= now && (freeze.until === undefined || now < Date.parse(freeze.until));
}

/** Freezes whose end has passed, which the sweep removes (a thaw). */
export function expiredFreezes(file: FreezesFile, now: number): readonly Freeze[] {
  if (!file.ok) return [];
  return file.freezes.filter((freeze) => freeze.until !== undefined && Date.parse(freeze.until) <= now);
}

/** The freezes file's shape, for the list-file editor. */
const FREEZES_SHAPE: ListFileShape<Freeze> = { key: "freezes", comment: FREEZES_COMMENT, fields: FREEZE_KEYS, maxLength: FREEZES_BUDGET.maxLength };

/**
 * The freezes file with `freeze` in it, replacing any freeze of the same
 * environment and keeping every other entry and comment. A file that cannot
 * be edited as a list of freezes is rewritten with only the new freeze, its
 * old text kept below as comments for a person to sort out.
 */
export function withFreeze(text: string | undefined, freeze: Freeze): string {
  return withEntry(FREEZES_SHAPE, text, freeze, (item) => item.get("environment") === freeze.environment);
}

/**
 * The freezes file without the freezes of these environments (a thaw),
 * keeping everything else; undefined when there was nothing to remove, so
 * nothing needs writing.
 */
export function withoutFreezes(text: string | undefined, environments: readonly string[]): string | undefined {
  return withoutEntries(FREEZES_SHAPE, text, (item) => environments.includes(item.get("environment") as string));
}

/**
 * The freezes file without the freezes of these environments whose end has
 * passed at `now` (the sweep's timed thaw), keeping every other entry and
 * comment; undefined when none has ended, so nothing needs writing.
 */
export function withoutExpiredFreezes(text: string | undefined, environments: readonly string[], now: number): string | undefined {
  return withoutEntries(FREEZES_SHAPE, text, (item) => {
    const until = item.get("until");
    return environments.includes(item.get("environment") as string) && typeof until === "string" && Date.parse(until) <= now;
  });
}

/** A fresh freezes file with these freezes. */
export function renderFreezes(freezes: readonly Freeze[]): string {
  return renderList(FREEZES_SHAPE, freezes);
}

function refused(problem: FreezesProblem, reason: string): FreezesFile {
  return { ok: false, problem, reason };
}
