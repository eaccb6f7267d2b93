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
 * them within seconds of each other; without a window the first build of a
 * burst gets a turn of its own, and the builds that arrive during it are
 * proposed a turn later, superseding what was just written.
 *
 * - 500 ms of quiet: what a lone build waits. Small next to what one
 *   proposal costs anyway (a config and a state read, then two or three
 *   writes at least 1 s apart: Bender's write pacing).
 * - 10 s at most, only while builds keep arriving: a burst is written as it
 *   stands after 10 s rather than version by version. GitHub's write budget
 *   (70 writes a minute) makes one turn over 100 images take about 40 s, so
 *   each turn saved is worth far more than the wait: in `npm run bench --
 *   burst` (250 ms/s) 10 s cut content-creating requests from 123-136 (no
 *   window) to 91-100 and the time until every proposal is current from
 *   ~190 s to ~100 s; 3 s cut them only to 118.
 */
export const DEFAULT_GATHER: GatherWindow = { quietMs: 500, maxMs: 10_000 };
