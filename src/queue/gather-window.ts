/**
 * How long a repository's turn waits before it starts, to take more builds of
 * a burst along: until `quietMs` passed with no new build for the repository,
 * and never more than `maxMs` after the line was ready. A lone build waits
 * `quietMs`; builds that keep arriving wait at most `maxMs`.
 */
export interface GatherWindow {
  readonly quietMs: number;
  readonly maxMs: number;
}

/**
 * The default gather window. A CI pipeline that rebuilds many images sends
 * them within a second or two of each other; without a window the first
 * build of a burst gets a turn of its own, and the builds that arrive during
 * it are proposed a turn later, superseding what was just written. 500 ms of
 * quiet is small next to what one proposal costs anyway (two to three writes
 * at least 1 s apart, GitHub's pacing), and 3 s at most keeps a steady stream
 * of builds from holding a repository's writes back: a 10-pair batch already
 * takes longer than that in write spacing.
 */
export const DEFAULT_GATHER: GatherWindow = { quietMs: 500, maxMs: 3_000 };
