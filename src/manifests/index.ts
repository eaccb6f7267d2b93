export { bumpFile, lineAt, screenToken } from "./bump-file.js";
export { byFileThenLine } from "./result.js";
export type { BumpResult, Change, ChangeKind, FileOutcome, SkipCode, Skipped } from "./result.js";
