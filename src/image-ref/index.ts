export { parseReference } from "./parse.js";
export type { ImageReference, ParseReferenceResult, ReferenceError, ReferenceErrorCode } from "./parse.js";
export { familiarRepository, formatReference, lastPathComponent, sameRepository, shortDigest } from "./format.js";
export type { ReferenceParts } from "./format.js";
