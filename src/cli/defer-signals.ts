import { constants } from "node:os";

/** Where signals come from: the process by default. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

const DEFERRED: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Runs `work` with SIGINT, SIGTERM and SIGHUP held back: without a listener
 * Node dies on the spot, in the middle of writing a tree (temporary files
 * left, some files renamed and some not). With one, the signal waits for the
 * synchronous write to finish, every temporary file renamed or removed.
 * Returns what `work` returned and the first signal that arrived meanwhile.
 */
export async function withSignalsDeferred<T>(work: () => Promise<T>, source: SignalSource = process): Promise<{ value: T; signal: NodeJS.Signals | undefined }> {
  let received: NodeJS.Signals | undefined;
  const listeners = DEFERRED.map((signal) => [signal, () => (received ??= signal)] as const);
  for (const [signal, listener] of listeners) source.on(signal, listener);
  try {
    return { value: await work(), signal: received };
  } finally {
    for (const [signal, listener] of listeners) source.off(signal, listener);
  }
}

/** The shell's exit code for a process ended by `signal`: 128 + its number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}
