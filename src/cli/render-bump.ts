import type { WriteReport } from "../manifests/io/write-files.js";
import { downgradeOf } from "../manifests/index.js";
import type { BumpResult } from "../manifests/index.js";
import { terminalField } from "./terminal-text.js";

/** A result, and what was written when the tree was written. */
export type RenderedResult = BumpResult & {
  readonly write?: WriteReport;
  /** References that already held the target's value. */
  readonly current?: number;
  /** Set when `--no-downgrade` refused the bump: nothing was written. */
  readonly refused?: "downgrade";
};

/**
 * What became of the bump, one word for scripts: `changed` (or would, in a
 * dry run), `already-current` (every reference holds the target already),
 * `no-references` (no file refers to the repository), `skipped` (references
 * found, all skipped), `refused-downgrade` (`--no-downgrade`).
 */
export type BumpOutcome = "changed" | "already-current" | "no-references" | "skipped" | "refused-downgrade";

function bumpOutcome(result: RenderedResult): BumpOutcome {
  if (result.refused === "downgrade") return "refused-downgrade";
  if (result.changes.length > 0) return "changed";
  if ((result.current ?? 0) > 0) return "already-current";
  // A skip with a line is a reference to the image that could not be changed.
  return result.skipped.some((skip) => skip.line !== undefined) ? "skipped" : "no-references";
}

/** The `--json` shape: stable field names that scripts may rely on (`written` and `notWritten` only when writing). */
export function renderBumpJson(result: RenderedResult): string {
  const payload = {
    outcome: bumpOutcome(result),
    alreadyCurrent: result.current ?? 0,
    changes: result.changes.map(({ file, line, kind, before, after, note }) => ({
      file,
      line,
      kind,
      before,
      after,
      ...(note === undefined ? {} : { note }),
      ...(downgradeOf({ kind, before, after }) ? { downgrade: true } : {}),
    })),
    skipped: result.skipped.map(({ file, line, code, reason }) => ({
      file,
      ...(line === undefined ? {} : { line }),
      code,
      reason,
    })),
    ...(result.write ? { written: result.write.written, notWritten: result.write.notWritten } : {}),
  };
  return `${JSON.stringify(payload, null, 2)}\n`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/**
 * The human report: one line a change, one a skip, then a summary line; when
 * a write failed, which files were and were not written, instead of the
 * summary. Names and values from files have their control characters escaped.
 */
export function renderBumpSummary(result: RenderedResult, options: { dryRun: boolean; target: string; repository?: string }): string {
  const lines: string[] = [];
  const field = terminalField;
  let downgrades = 0;
  for (const change of result.changes) {
    const downgrade = downgradeOf(change);
    if (downgrade) downgrades++;
    const notes = [change.note === undefined ? undefined : field(change.note), downgrade ? `downgrade: ${field(downgrade.to)} is lower than ${field(downgrade.from)}` : undefined].filter(Boolean);
    const note = notes.length === 0 ? "" : `  (${notes.join("; ")})`;
    lines.push(`${field(change.file)}:${change.line}  ${change.kind}  ${field(change.before)} -> ${field(change.after)}${note}`);
  }
  for (const skip of result.skipped) {
    lines.push(`skipped ${field(skip.file)}${skip.line === undefined ? "" : `:${skip.line}`}  ${skip.code}: ${field(skip.reason)}`);
  }
  const failed = result.write?.notWritten ?? [];
  if (failed.length > 0) {
    for (const file of result.write?.written ?? []) lines.push(`written ${field(file)}`);
    for (const { file, reason } of failed) lines.push(`not written ${field(file)}: ${field(reason)}`);
    const written = result.write?.written.length ?? 0;
    lines.push(`Writing failed: ${plural(written, "file")} written, ${plural(failed.length, "file")} left as ${failed.length === 1 ? "it was" : "they were"}.`);
    return `${lines.join("\n")}\n`;
  }
  const files = new Set(result.changes.map((change) => change.file)).size;
  const verb = options.dryRun ? "Would change" : "Changed";
  const skipped = result.skipped.length === 0 ? "" : `; ${result.skipped.length} skipped`;
  const tail = options.dryRun ? " (dry run: nothing written)" : "";
  const outcome = bumpOutcome(result);
  const repository = field(options.repository ?? options.target);
  if (outcome === "refused-downgrade") {
    lines.push(`Refused: ${plural(downgrades, "value")} would move to a lower version than written (--no-downgrade); nothing written.`);
  } else if (outcome === "no-references") {
    lines.push(`No file refers to ${repository}${skipped}.${tail}`);
  } else if (outcome === "already-current") {
    lines.push(`Already at ${field(options.target)}: ${plural(result.current ?? 0, "reference")} ${result.current === 1 ? "holds" : "hold"} it${skipped}.${tail}`);
  } else if (outcome === "skipped") {
    lines.push(`No reference changed for ${field(options.target)}${skipped}.${tail}`);
  } else {
    const down = downgrades === 0 ? "" : ` (${plural(downgrades, "downgrade")})`;
    lines.push(`${verb} ${plural(result.changes.length, "value")} in ${plural(files, "file")} to ${field(options.target)}${down}${skipped}.${tail}`);
  }
  return `${lines.join("\n")}\n`;
}
