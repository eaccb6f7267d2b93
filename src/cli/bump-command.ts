import { stat } from "node:fs/promises";
import path from "node:path";
import { formatReference, parseReference } from "../image-ref/index.js";
import type { ImageReference } from "../image-ref/index.js";
import { downgradeOf } from "../manifests/index.js";
import { bumpDirectory } from "../manifests/io/bump-directory.js";
import { EXIT_INVALID_INPUT, EXIT_OK, EXIT_UNEXPECTED, InvalidInputError } from "./cli-error.js";
import { signalExitCode, withSignalsDeferred } from "./defer-signals.js";
import type { CliContext } from "./main.js";
import { parseOptions } from "./parse-options.js";
import { renderBumpJson, renderBumpSummary } from "./render-bump.js";

const BUMP_USAGE = `Usage: bender bump <reference> [--dir PATH] [--dry-run] [--json] [--no-downgrade]

Rewrites every reference to the image's repository under PATH (default: the
current directory): container images, Helm values, kustomize and Argo CD image
overrides, and values marked "# bender:image" or "# bender:tag".

  <reference>   repository:tag, repository@digest or repository:tag@digest
  --dir PATH    the manifest tree to edit
  --dry-run     write nothing; print a unified diff of what would change
  --json        print {"outcome": ..., "alreadyCurrent": N, "changes": [...],
                "skipped": [...], "written": [...], "notWritten": [...]}
                instead of text
  --no-downgrade
                refuse (exit 2, nothing written) when a value would move to a
                lower semantic version than it holds (1.5.0 -> 1.4.1); without
                it such a change is made and marked "downgrade"

The last line says what happened: the values changed, "Already at
<reference>" when every reference holds it already, or "No file refers to
<repository>" (both exit 0; --json's "outcome" is "changed",
"already-current", "no-references", "skipped" or "refused-downgrade").

Files are written as one step: every new file is written beside its target
first, then all are renamed over their targets. When a write fails, nothing
is left half-done: the report says which files were and were not written,
and the exit code is 1.
`;

const BUMP_OPTIONS = {
  dir: { type: "string" },
  "dry-run": { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  "no-downgrade": { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

function parseTarget(text: string): ImageReference {
  const parsed = parseReference(text);
  if (!parsed.ok) throw new InvalidInputError(parsed.error.message);
  const { reference } = parsed;
  if (reference.tag === undefined && reference.digest === undefined) {
    throw new InvalidInputError(
      `"${text}" names no tag or digest; give the version to move to, e.g. ${formatReference({ name: reference.name, tag: "1.4.1" })}`,
    );
  }
  return reference;
}

async function resolveDirectory(cwd: string, dir: string | undefined): Promise<string> {
  const root = path.resolve(cwd, dir ?? ".");
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new InvalidInputError(`--dir ${dir ?? "."}: not a directory`);
  return root;
}

/** `bender bump`: validate input (nothing written when invalid), bump the tree, report. */
export async function bumpCommand(args: readonly string[], context: CliContext): Promise<number> {
  const parsed = parseOptions("bump", args, BUMP_OPTIONS, true);
  const { values, positionals } = parsed;
  if (values.help) {
    context.stdout.write(BUMP_USAGE);
    return EXIT_OK;
  }
  if (positionals.length !== 1 || positionals[0] === undefined) {
    throw new InvalidInputError(`expected exactly one image reference, got ${positionals.length}\n\n${BUMP_USAGE}`);
  }
  const target = parseTarget(positionals[0]);
  const root = await resolveDirectory(context.cwd, values.dir);
  const dryRun = values["dry-run"];

  // --no-downgrade plans first, and writes only when no value would go down.
  if (values["no-downgrade"] && !dryRun) {
    const plan = await bumpDirectory({ root, target, write: false });
    if (plan.changes.some((change) => downgradeOf(change))) {
      const refused = { ...plan, refused: "downgrade" as const };
      context.stdout.write(values.json ? renderBumpJson(refused) : renderBumpSummary(refused, { dryRun: true, target: formatReference(target), repository: target.name }));
      return EXIT_INVALID_INPUT;
    }
  }

  // A Ctrl-C or SIGTERM waits for the tree to be written or left whole; then the report, then the exit.
  const { value: result, signal } = await withSignalsDeferred(() => bumpDirectory({ root, target, write: !dryRun }));

  if (values.json) {
    context.stdout.write(renderBumpJson(result));
  } else {
    if (dryRun) {
      const { renderUnifiedDiff } = await import("./render-diff.js");
      context.stdout.write(renderUnifiedDiff(result.edits));
    }
    context.stdout.write(renderBumpSummary(result, { dryRun, target: formatReference(target), repository: target.name }));
  }
  if (signal) {
    context.stderr.write(`bender bump: ${signal} received; it waited for the files above to be written whole\n`);
    return signalExitCode(signal);
  }
  return (result.write?.notWritten.length ?? 0) > 0 ? EXIT_UNEXPECTED : EXIT_OK;
}
