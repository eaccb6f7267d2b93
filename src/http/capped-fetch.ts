import type { CauseOptions, CodedError } from "../errors/coded-error.js";

/** An answer larger than its client's budget: refused as soon as it passes it, never buffered whole. */
export class AnswerTooLargeError extends Error implements CodedError {
  override readonly name = "AnswerTooLargeError";
  readonly code = "answer-too-large";
  constructor(message: string, options?: CauseOptions) {
    super(message, options);
  }
}

/**
 * A `fetch` whose answers are read within `limit` bytes: a declared
 * Content-Length over it is refused before reading, and a body that grows
 * past it is cancelled at that chunk. What passes is handed on as an
 * ordinary Response (status, headers and URL kept), so clients such as
 * Octokit read it as they would the original. The budget for every answer
 * from a service Bender does not control (a GitHub answer listing 100 pull
 * requests with 100 comments each is otherwise as large as GitHub makes it).
 */
export function cappedFetch(inner: typeof fetch, limit: number, what: string): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    if (response.body === null) return response;
    const tooLarge = (): AnswerTooLargeError => new AnswerTooLargeError(`${what} answered with more than ${limit} bytes (the budget for one answer)`);
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (declared > limit) {
      await response.body.cancel();
      throw tooLarge();
    }
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
    const copy = new Response(Buffer.concat(chunks), { status: response.status, statusText: response.statusText, headers: response.headers });
    Object.defineProperty(copy, "url", { value: response.url });
    return copy;
  };
}
