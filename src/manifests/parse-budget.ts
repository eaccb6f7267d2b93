/**
 * How much YAML the engine parses for one file. Parsing costs about 5 µs a
 * node on this kind of machine, whatever the bytes: a 1 MiB one-line flow
 * list is half a million nodes (seconds and a gigabyte), so the 8 MiB byte
 * cap does not bound it. The budget is counted on the text before any parse.
 */
export interface ParseBudget {
  /** Most node marks (see `countNodeMarks`) parsed in one file, over all its parsed documents. */
  readonly maxNodes: number;
  /**
   * Most documents (`---` lines) in one file; past it the file is not even
   * split (a file of two million `---` lines took 4 s and 850 MB to split and
   * screen). Default 10,000; a large CRD bundle has a few hundred.
   */
  readonly maxDocuments?: number;
}

/**
 * About 50 ms of parsing warm, and as much again to verify an edit (several
 * times that in a cold process); a 2,000-line Helm values file uses about
 * 4,000, most manifests a few hundred.
 */
export const DEFAULT_PARSE_BUDGET: ParseBudget = { maxNodes: 10_000, maxDocuments: 10_000 };
export const DEFAULT_MAX_DOCUMENTS = 10_000;

const LINE_FEED = 10;
const COMMA = 44;
const OPEN_BRACKET = 91;
const OPEN_BRACE = 123;
const DASH = 45;
const COLON = 58;
const QUESTION = 63;
const SPACE = 32;

/**
 * An upper bound, in one linear pass, on the nodes a parser makes of `text`:
 * every node starts after a line break, a flow indicator (`,` `[` `{`) or a
 * block indicator followed by a space (`- `, `: `, `? `). Marks inside
 * scalars and comments count too, so the bound is loose, never short.
 */
export function countNodeMarks(text: string): number {
  let marks = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === LINE_FEED || code === COMMA || code === OPEN_BRACKET || code === OPEN_BRACE) marks++;
    else if ((code === DASH || code === COLON || code === QUESTION) && text.charCodeAt(index + 1) === SPACE) marks++;
  }
  return marks;
}

/** The sentence for a file over budget. */
export function tooComplexReason(marks: number, budget: ParseBudget): string {
  return `too complex to parse safely: about ${marks} YAML nodes, more than the ${budget.maxNodes} Bender parses in one file; split it into smaller files`;
}

/** The sentence for a file with more documents than the budget allows. */
export function tooManyDocumentsReason(budget: ParseBudget): string {
  return `too complex to parse safely: more than ${budget.maxDocuments ?? DEFAULT_MAX_DOCUMENTS} YAML documents (--- lines) in one file; split it into smaller files`;
}
