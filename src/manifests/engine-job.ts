import type { ImageReference } from "../image-ref/index.js";
import { bumpFile } from "./bump-file.js";
import { findReferences } from "./find-references.js";
import type { Reference } from "./find-references.js";
import { restoreValues } from "./restore-values.js";
import type { RecordedChange, RestoreOutcome } from "./restore-values.js";
import type { FileOutcome } from "./result.js";

/**
 * One file's worth of engine work, as plain data: what the server sends to an
 * engine worker (structured clone) or runs in process. Every field is a
 * string, number or plain object, so a job and its answer cross a thread.
 */
export type EngineJob =
  | { readonly op: "bump"; readonly file: string; readonly text: string; readonly target: ImageReference }
  | { readonly op: "restore"; readonly file: string; readonly text: string; readonly changes: readonly RecordedChange[] }
  | { readonly op: "references"; readonly file: string; readonly text: string; readonly image: ImageReference };

/** The engine's answer to a job, by its `op`. */
export type EngineAnswer =
  | { readonly op: "bump"; readonly outcome: FileOutcome }
  | { readonly op: "restore"; readonly outcome: RestoreOutcome }
  | { readonly op: "references"; readonly references: Reference[] };

/** Runs one job with the engine's pure functions (and their default parse budget). */
export function runEngineJob(job: EngineJob): EngineAnswer {
  switch (job.op) {
    case "bump":
      return { op: "bump", outcome: bumpFile(job.file, job.text, job.target) };
    case "restore":
      return { op: "restore", outcome: restoreValues(job.file, job.text, job.changes) };
    case "references":
      return { op: "references", references: findReferences(job.file, job.text, job.image) };
  }
}
