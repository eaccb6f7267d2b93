/** A slice of a file holding whole YAML documents, and the index of its first document. */
export interface DocumentChunk {
  readonly start: number;
  readonly end: number;
  readonly firstDocument: number;
}

/** A line that starts a document: `---` followed by a space, a tab or the line end. */
const DOCUMENT_START = /^---(?=[ \t\r\n]|$)/gm;
/** Directives (`%YAML`) and document ends (`...`) bind text across a `---`; such files stay whole. */
const CROSS_DOCUMENT_SYNTAX = /^(?:%|\.\.\.(?=[ \t\r\n]|$))/m;
const CONTENT_LINE = /^[ \t]*[^\s#]/m;

/**
 * How many `---` lines start a document in `text`, counting no further than
 * `stopAt` (so a file of two million `---` lines costs no more than one
 * with `stopAt`).
 */
export function countDocumentStarts(text: string, stopAt: number): number {
  const pattern = new RegExp(DOCUMENT_START.source, "gm");
  let count = 0;
  while (count < stopAt && pattern.exec(text) !== null) count++;
  return count;
}

/**
 * Splits a multi-document file at its `---` lines, so that only the documents
 * that may refer to an image need parsing. This is exact, not a guess: YAML
 * forbids a line starting with `---` inside any scalar, and anchors never
 * reach across documents. The numbering matches a parser's: a chunk opened by
 * `---` is one document; text before the first `---` is one only if it has
 * content besides comments.
 */
export function splitDocuments(text: string): DocumentChunk[] {
  if (CROSS_DOCUMENT_SYNTAX.test(text)) return [{ start: 0, end: text.length, firstDocument: 0 }];
  const markers = [...text.matchAll(DOCUMENT_START)].map((match) => match.index);
  const starts = markers[0] === 0 ? markers : [0, ...markers];
  const chunks: DocumentChunk[] = [];
  let document = 0;
  for (const [position, start] of starts.entries()) {
    const end = starts[position + 1] ?? text.length;
    chunks.push({ start, end, firstDocument: document });
    const opensWithMarker = position > 0 || markers[0] === 0;
    if (opensWithMarker || CONTENT_LINE.test(text.slice(start, end))) document++;
  }
  return chunks;
}
