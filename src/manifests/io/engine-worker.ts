/**
 * An engine worker thread (started by `EnginePool`): runs one job at a time
 * and posts its answer, or the message of the error it threw (a bug: the
 * pool rejects the job with it).
 */
import { parentPort } from "node:worker_threads";
import { runEngineJob } from "../engine-job.js";
import type { EngineJob } from "../engine-job.js";

parentPort?.on("message", (job: EngineJob) => {
  try {
    parentPort?.postMessage({ answer: runEngineJob(job) });
  } catch (error) {
    parentPort?.postMessage({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
});
