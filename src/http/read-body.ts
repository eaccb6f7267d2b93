import type { CauseOptions, CodedError } from "../errors/coded-error.js";
import type { IncomingMessage } from "node:http";

/** A request body over its endpoint's limit: refused as soon as it passes it (413). */
export class BodyTooLargeError extends Error implements CodedError {
  override readonly name = "BodyTooLargeError";
  readonly code = "body-too-large";
  constructor(message: string, options?: CauseOptions) {
    super(message, options);
  }
}

/**
 * Reads a request body up to `limit` bytes; a larger body is refused as soon
 * as it passes the limit, never buffered whole. The rest of it is left unread
 * (the stream is paused, not destroyed), so the caller can still answer 413;
 * it should answer with `connection: close` so the socket is not kept.
 */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks = await readChunks(request, limit);
  return Buffer.concat(chunks);
}

/**
 * As `readBody`, without joining the chunks: `onChunk` sees each as it
 * arrives (a signature can be hashed on the way in, so no single call hashes
 * megabytes), and a body refused on its signature is never copied whole.
 */
export async function readChunks(request: IncomingMessage, limit: number, onChunk?: (chunk: Buffer) => void): Promise<Buffer[]> {
  return new Promise<Buffer[]>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        stop();
        request.pause();
        chunks.length = 0;
        reject(new BodyTooLargeError(`the body is larger than ${limit} bytes`));
        return;
      }
      onChunk?.(chunk);
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      resolve(chunks);
    };
    const onError = (error: Error): void => {
      stop();
      reject(error);
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
  });
}
