import type { BumpResult } from "../manifests/index.js";

/** The `--json` shape: stable field names that scripts may rely on. */
export function renderBumpJson(result: BumpResult): string {
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
  };
  return `${JSON.stringify(payload, null, 2)}\n`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** The human report: one line a change, one a skip, then a summary line. */
export function renderBumpSummary(result: BumpResult, options: { dryRun: boolean; target: string }): string {
  const lines: string[] = [];
  for (const change of result.changes) {
    const note = change.note === undefined ? "" : `  (${change.note})`;
    lines.push(`${change.file}:${change.line}  ${change.kind}  ${change.before} -> ${change.after}${note}`);
  }
  for (const skip of result.skipped) {
    lines.push(`skipped ${skip.file}${skip.line === undefined ? "" : `:${skip.line}`}  ${skip.code}: ${skip.reason}`);
  }
  const files = new Set(result.changes.map((change) => change.file)).size;
  const verb = options.dryRun ? "Would change" : "Changed";
  const skipped = result.skipped.length === 0 ? "" : `; ${result.skipped.length} skipped`;
  const tail = options.dryRun ? " (dry run: nothing written)" : "";
  if (result.changes.length === 0) {
    lines.push(`No reference needed changing for ${options.target}${skipped}.${tail}`);
  } else {
    lines.push(`${verb} ${plural(result.changes.length, "value")} in ${plural(files, "file")} to ${options.target}${skipped}.${tail}`);
  }
  return `${lines.join("\n")}\n`;
}
