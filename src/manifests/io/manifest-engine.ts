import { setImmediate } from "node:timers/promises";
import type { ImageReference } from "../../image-ref/index.js";
import { runEngineJob } from "../engine-job.js";
import type { EngineAnswer, EngineJob } from "../engine-job.js";
import type { Reference } from "../find-references.js";
import type { RecordedChange, RestoreOutcome } from "../restore-values.js";
import type { FileOutcome } from "../result.js";

/** What came of one job: the engine's answer, or why the engine could not finish the file (out of memory, out of time). */
export type EngineResult = { readonly ok: true; readonly answer: EngineAnswer } | { readonly ok: false; readonly reason: string };

/**
 * Runs the manifest engine for the server, one file per job, without holding
 * the event loop for a whole repository: `inlineEngine` yields between files,
 * `EnginePool` runs each file in a worker thread with memory and time limits.
 * Answers come back in the order of the jobs. A bug in the engine rejects.
 */
export interface ManifestEngine {
  run(jobs: readonly EngineJob[]): Promise<EngineResult[]>;
}

/**
 * The engine on the event loop, yielding (setImmediate) before each file so
 * requests and timers run between files. One file still runs in one go (a
 * file at the parse budget holds the loop for 150 ms to 1 s): the server uses
 * `EnginePool`; this is for a pool of size 0 and for tests.
 */
export const inlineEngine: ManifestEngine = {
  async run(jobs) {
    const results: EngineResult[] = [];
    for (const job of jobs) {
      await setImmediate();
      results.push({ ok: true, answer: runEngineJob(job) });
    }
    return results;
  },
};

function answerOf<Op extends EngineAnswer["op"]>(result: EngineResult, op: Op): Extract<EngineAnswer, { op: Op }> | undefined {
  if (!result.ok) return undefined;
  if (result.answer.op !== op) throw new Error(`the engine answered ${result.answer.op} to a ${op} job`);
  return result.answer as Extract<EngineAnswer, { op: Op }>;
}

/** `bumpFile` over each file; a file the engine could not finish is skipped whole (`too-complex`, with the reason). */
export async function bumpFiles(engine: ManifestEngine, files: readonly { path: string; text: string }[], target: ImageReference): Promise<FileOutcome[]> {
  const results = await engine.run(files.map((file) => ({ op: "bump", file: file.path, text: file.text, target })));
  return results.map((result, index): FileOutcome => {
    const answer = answerOf(result, "bump");
    if (answer) return answer.outcome;
    return { changes: [], skipped: [{ file: files[index]?.path ?? "", code: "too-complex", reason: result.ok ? "" : result.reason }] };
  });
}

/** `restoreValues` over each file; every record of a file the engine could not finish is a conflict that says why. */
export async function restoreFiles(
  engine: ManifestEngine,
  files: readonly { path: string; text: string }[],
  changes: readonly RecordedChange[],
): Promise<RestoreOutcome[]> {
  const results = await engine.run(files.map((file) => ({ op: "restore", file: file.path, text: file.text, changes })));
  return results.map((result, index): RestoreOutcome => {
    const answer = answerOf(result, "restore");
    if (answer) return answer.outcome;
    const reason = result.ok ? "" : result.reason;
    const records = changes.filter((change) => change.file === files[index]?.path);
    return { restored: [], conflicts: records.map((record) => ({ line: record.line, yamlPath: record.yamlPath, expected: record.after, found: undefined, reason })) };
  });
}

/** `findReferences` in each file, for its own image; a file the engine could not finish holds nothing readable, like one past the budget. */
export async function referencesIn(engine: ManifestEngine, files: readonly { path: string; text: string; image: ImageReference }[]): Promise<Reference[][]> {
  const results = await engine.run(files.map((file) => ({ op: "references", file: file.path, text: file.text, image: file.image })));
  return results.map((result) => answerOf(result, "references")?.references ?? []);
}
