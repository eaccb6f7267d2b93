import type { IncomingMessage, ServerResponse } from "node:http";
import { verify } from "@octokit/webhooks-methods";
import type { Probot } from "probot";
import type { Logger } from "pino";
import { buildFromWebhookBody } from "../builds/build.js";
import { describeBuild } from "../builds/render-build.js";
import { acceptBuild } from "../github/accept-build.js";
import type { BenderServices } from "../github/services.js";
import { sendJson } from "../http/json-reply.js";
import { BodyTooLargeError, readBody } from "../http/read-body.js";

export const BUILD_SIGNATURE_HEADER = "x-bender-signature-256";
const MAX_BODY_BYTES = 64 * 1024;

export interface BuildWebhookOptions {
  /** Undefined: the endpoint is turned off. */
  readonly secret: string | undefined;
  readonly probot: Probot;
  readonly services: BenderServices;
  readonly log: Logger;
}

/**
 * POST /api/builds: any CI or registry reports a build, signed like GitHub's
 * webhooks. The signature is checked before the body is even parsed.
 *
 * 1. Read the body (64 KiB at most) and verify X-Bender-Signature-256.
 * 2. Validate it as a build; 400 names every problem.
 * 3. Queue it for the repositories it names, or for every manifest repository.
 * 4. Answer 202 with the build's key at once: no GitHub work happens before
 *    the answer (finding the repositories is queued work too); or 502 with
 *    the reason when GitHub refused Bender's credentials at the last check.
 */
export function buildWebhookHandler(options: BuildWebhookOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    const log = options.log.child({ endpoint: "/api/builds" });
    if (request.method !== "POST") return sendJson(response, 405, { error: "use POST" });
    if (options.secret === undefined) {
      return sendJson(response, 404, { error: "the build webhook is off: set BENDER_BUILD_SECRET to turn it on" });
    }

    // 1. Body and signature, before anything else.
    let body: Buffer;
    try {
      body = await readBody(request, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return sendJson(response, 413, { error: error.message });
      throw error;
    }
    const signature = request.headers[BUILD_SIGNATURE_HEADER];
    const text = body.toString("utf8");
    if (typeof signature !== "string" || !(await verify(options.secret, text, signature).catch(() => false))) {
      log.warn({ signed: typeof signature === "string" }, "build refused: bad signature");
      return sendJson(response, 401, { error: `missing or wrong ${BUILD_SIGNATURE_HEADER}: expected sha256=<HMAC-SHA256 of the body with BENDER_BUILD_SECRET>` });
    }

    // 2. Validate.
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return sendJson(response, 400, { error: `the body is not JSON: ${(error as Error).message}` });
    }
    // 3. Queue; 4. answer.
    const accepted = acceptBuild(options.services, "webhook", buildFromWebhookBody(json), { kind: "named" }, log);
    if (accepted.kind === "invalid") return sendJson(response, 400, { error: "invalid build", problems: accepted.problems });
    if (accepted.kind === "ignored") return sendJson(response, 200, { ignored: accepted.reason, proposals: [] });
    if (accepted.kind === "github-refused") return sendJson(response, 502, { error: accepted.reason, code: "github-forbidden" });
    return sendJson(response, 202, { key: accepted.key, build: describeBuild(accepted.build) });
  };
}
