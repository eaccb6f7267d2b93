import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { sendJson } from "../http/json-reply.js";
import { BodyTooLargeError, readChunks } from "../http/read-body.js";
import { webhookShapeProblem } from "./webhook-shape.js";

/** GitHub caps payloads at 25 MB; the events Bender handles are far smaller. */
export const DEFAULT_WEBHOOK_MAX_BYTES = 5 * 1024 * 1024;

export type WebhookMiddleware = (request: IncomingMessage, response: ServerResponse) => unknown;

/** Bodies being read or handled at once may hold this many times the cap, in all. */
const BUFFERED_CAPS = 8;

export interface GithubWebhookGateOptions {
  readonly secret: string;
  readonly maxBytes: number;
  /** All bodies being read or handled at once hold at most this (default 8 × `maxBytes`); past it, 503. */
  readonly maxBufferedBytes?: number;
  readonly log: Logger;
  /** Probot's middleware, reached only by signed payloads of a known shape. */
  readonly next: WebhookMiddleware;
}

const JSON_CONTENT = /^\s*application\/json\s*(?:;|$)/i;
const SIGNATURE = /^sha256=(?<hex>[0-9a-f]{64})$/;

/**
 * The door of the one endpoint that faces the internet. Before a body is
 * read: POST only, JSON only, an X-Hub-Signature-256 header, and a declared
 * length under the cap; and all bodies being read or handled at once stay
 * under `maxBufferedBytes` (so bodies cannot add up to gigabytes). Then the body is read up to the cap, its signature
 * checked on the bytes, its JSON parsed and its shape checked. Only then does
 * Probot's middleware see it (with the body already read, so it does not read
 * again). Every refusal is one short warn line (delivery id, reason), never
 * the payload; refused connections are closed, so an unread body is not
 * drained.
 */
export function githubWebhookGate(options: GithubWebhookGateOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const maxBufferedBytes = options.maxBufferedBytes ?? BUFFERED_CAPS * options.maxBytes;
  let buffered = 0;
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const delivery = header(request, "x-github-delivery");
    const event = header(request, "x-github-event");
    const refuse = (status: number, reason: string, extra: Record<string, string> = {}): void => {
      options.log.warn({ delivery, event, status, reason }, "GitHub webhook refused");
      sendJson(response, status, { error: reason }, { connection: "close", ...extra });
    };

    if (request.method !== "POST") return refuse(405, "use POST", { allow: "POST" });
    if (!JSON_CONTENT.test(header(request, "content-type") ?? "")) return refuse(415, 'Unsupported "Content-Type": must be "application/json"');
    const signature = SIGNATURE.exec(header(request, "x-hub-signature-256") ?? "")?.groups?.hex;
    if (signature === undefined) return refuse(400, "missing or malformed X-Hub-Signature-256 header (sha256=<64 hex digits>)");
    if (event === undefined || delivery === undefined) return refuse(400, "missing X-GitHub-Event or X-GitHub-Delivery header");
    const declared = Number(header(request, "content-length") ?? "0");
    if (declared > options.maxBytes) return refuse(413, `the body is larger than ${options.maxBytes} bytes`);

    // A body of unknown length may grow to the cap: it holds the cap until it is read, then its own length. The
    // reservation is held until the delivery is handled: the chunks, their copy and the parsed payload live that long.
    let reservation = declared > 0 ? declared : options.maxBytes;
    if (buffered + reservation > maxBufferedBytes) return refuse(503, "too many webhook bodies are being read or handled at once; try again later", { "retry-after": "1" });
    buffered += reservation;
    try {
      // The signature is hashed chunk by chunk as the body arrives.
      const hmac = createHmac("sha256", options.secret);
      let chunks: Buffer[];
      try {
        chunks = await readChunks(request, options.maxBytes, (chunk) => hmac.update(chunk));
      } catch (error) {
        if (error instanceof BodyTooLargeError) return refuse(413, error.message);
        throw error;
      }
      const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
      buffered -= reservation - length;
      reservation = length;
      if (!timingSafeEqual(hmac.digest(), Buffer.from(signature, "hex"))) return refuse(400, "signature does not match event payload and secret");
      const body = Buffer.concat(chunks);

      let payload: unknown;
      try {
        payload = JSON.parse(body.toString("utf8"));
      } catch {
        return refuse(400, "Invalid JSON: the body does not parse");
      }
      const problem = webhookShapeProblem(event, payload);
      if (problem !== undefined) return refuse(400, problem);

      // @octokit/webhooks' middleware takes an already-read body from `rawBody` when `body` is an object.
      Object.assign(request, { body: payload, rawBody: body });
      await options.next(request, response);
      logPing(options.log, event, delivery, payload, response);
    } finally {
      buffered -= reservation;
    }
  };
}

function logPing(log: Logger, event: string, delivery: string, payload: unknown, response: ServerResponse): void {
  if (event === "ping" && response.statusCode < 300) {
    log.info({ delivery, hook: (payload as { hook_id?: unknown }).hook_id }, "GitHub ping received: webhooks reach Bender");
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
