import type { IncomingMessage } from "node:http";
import { isValidSlackRequest } from "@slack/bolt";
import { BodyTooLargeError, readBody } from "../http/read-body.js";

/** Slack's window: a request more than five minutes from Bender's clock, either way, is refused. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
const MAX_BODY_BYTES = 1024 * 1024;

export type SlackVerification = { readonly ok: true } | { readonly ok: false; readonly status: 401 | 413; readonly reason: string };

/**
 * Checks a Slack request before Bolt sees it: the timestamp within five
 * minutes in both directions (Bolt refuses only old ones), then the
 * `v0:timestamp:body` signature. The body is buffered onto `rawBody`, where
 * Bolt's receiver picks it up instead of reading the stream again.
 */
export async function verifySlackRequest(
  request: IncomingMessage & { rawBody?: Buffer },
  signingSecret: string,
  nowMilliseconds: number,
): Promise<SlackVerification> {
  try {
    request.rawBody = await readBody(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return { ok: false, status: 413, reason: error.message };
    throw error;
  }
  const signature = request.headers["x-slack-signature"];
  const timestamp = Number(request.headers["x-slack-request-timestamp"]);
  if (typeof signature !== "string" || !Number.isInteger(timestamp)) {
    return { ok: false, status: 401, reason: "missing x-slack-signature or x-slack-request-timestamp" };
  }
  if (Math.abs(Math.floor(nowMilliseconds / 1000) - timestamp) > MAX_CLOCK_SKEW_SECONDS) {
    return { ok: false, status: 401, reason: "x-slack-request-timestamp is more than five minutes from Bender's clock" };
  }
  const valid = isValidSlackRequest({
    signingSecret,
    body: request.rawBody.toString("utf8"),
    headers: { "x-slack-signature": signature, "x-slack-request-timestamp": timestamp },
    nowMilliseconds,
  });
  return valid ? { ok: true } : { ok: false, status: 401, reason: "x-slack-signature does not match the body" };
}
