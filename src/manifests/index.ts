export { bumpFile, lineAt } from "./bump-file.js";
export { mayReferTo, screenFor } from "./screen.js";
export type { Screen } from "./screen.js";
export { byFileThenLine } from "./result.js";
export type { BumpResult, Change, ChangeKind, FileOutcome, SkipCode, Skipped } from "./result.js";
