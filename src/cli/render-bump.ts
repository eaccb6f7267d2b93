import type { WriteReport } from "../manifests/io/write-files.js";
import type { BumpResult } from "../manifests/index.js";
import { terminalField } from "./terminal-text.js";

/** A result, and what was written when the tree was written. */
export type RenderedResult = BumpResult & { readonly write?: WriteReport };

/** The `--json` shape: stable field names that scripts may rely on (`written` and `notWritten` only when writing). */
export function renderBumpJson(result: RenderedResult): string {
  const payload = {
    changes: result.changes.map(({ file, line, kind, before, after, note }) => ({
      file,
      line,
      kind,
      before,
      after,
      ...(note === undefined ? {} : { note }),
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
export function renderBumpSummary(result: RenderedResult, options: { dryRun: boolean; target: string }): string {
  const lines: string[] = [];
  const field = terminalField;
  for (const change of result.changes) {
    const note = change.note === undefined ? "" : `  (${field(change.note)})`;
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
  if (result.changes.length === 0) {
    lines.push(`No reference needed changing for ${field(options.target)}${skipped}.${tail}`);
  } else {
    lines.push(`${verb} ${plural(result.changes.length, "value")} in ${plural(files, "file")} to ${field(options.target)}${skipped}.${tail}`);
  }
  return `${lines.join("\n")}\n`;
}
