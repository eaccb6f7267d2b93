import type { IncomingMessage, ServerResponse } from "node:http";
import { verify } from "@octokit/webhooks-methods";
import type { Probot } from "probot";
import type { Logger } from "pino";
import { buildFromWebhookBody } from "../builds/build.js";
import { describeBuild } from "../builds/render-build.js";
import { proposeToRepository, reportIntake, reportOutcomes } from "../github/app.js";
import type { BenderServices } from "../github/app.js";
import type { ProposalOutcome } from "../github/propose-build.js";
import { BodyTooLargeError, readBody } from "./read-body.js";

export const BUILD_SIGNATURE_HEADER = "x-bender-signature-256";
const MAX_BODY_BYTES = 64 * 1024;

export interface BuildWebhookOptions {
  /** Undefined: the endpoint is turned off. */
  readonly secret: string | undefined;
  readonly probot: Probot;
  readonly services: BenderServices;
  readonly log: Logger;
}

function reply(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  response.end(`${JSON.stringify(body)}\n`);
}

/**
 * GitHub could not be reached, or failed on its side, even after retries: the
 * caller should try again. Octokit reports a network failure as status 500; an
 * error without a status, or another 4xx, is about one repository, not GitHub.
 */
function isUnreachable(error: unknown): boolean {
  const { status, response } = error as { status?: unknown; response?: { headers?: Record<string, string | undefined> } };
  if (typeof status !== "number") return false;
  // A rate limit that outlasted the retries is a 403 with Retry-After, or with no requests left.
  const limited = status === 403 && (response?.headers?.["retry-after"] !== undefined || response?.headers?.["x-ratelimit-remaining"] === "0");
  return status >= 500 || status === 429 || limited;
}

/**
 * POST /api/builds: any CI or registry reports a build, signed like GitHub's
 * webhooks. The signature is checked before the body is even parsed.
 *
 * 1. Read the body (64 KiB at most) and verify X-Bender-Signature-256.
 * 2. Validate it as a build; 400 names every problem.
 * 3. Propose to the repositories it names, or to every manifest repository.
 * 4. Answer with each proposal (200), or 503 when GitHub cannot be reached.
 */
export function buildWebhookHandler(options: BuildWebhookOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    const log = options.log.child({ endpoint: "/api/builds" });
    if (request.method !== "POST") return reply(response, 405, { error: "use POST" });
    if (options.secret === undefined) {
      return reply(response, 404, { error: "the build webhook is off: set BENDER_BUILD_SECRET to turn it on" });
    }

    // 1. Body and signature, before anything else.
    let body: Buffer;
    try {
      body = await readBody(request, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return reply(response, 413, { error: error.message });
      throw error;
    }
    const signature = request.headers[BUILD_SIGNATURE_HEADER];
    const text = body.toString("utf8");
    if (typeof signature !== "string" || !(await verify(options.secret, text, signature).catch(() => false))) {
      log.warn({ signed: typeof signature === "string" }, "build refused: bad signature");
      return reply(response, 401, { error: `missing or wrong ${BUILD_SIGNATURE_HEADER}: expected sha256=<HMAC-SHA256 of the body with BENDER_BUILD_SECRET>` });
    }

    // 2. Validate.
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return reply(response, 400, { error: `the body is not JSON: ${(error as Error).message}` });
    }
    const intake = buildFromWebhookBody(json);
    reportIntake(options.services, log, "webhook", intake);
    if (intake.kind === "invalid") return reply(response, 400, { error: "invalid build", problems: intake.problems });
    if (intake.kind === "ignored") return reply(response, 200, { ignored: intake.reason, proposals: [] });
    const build = intake.build;

    // 3. Propose.
    const proposals: ProposalOutcome[] = [];
    try {
      const named = intake.repositories ?? options.services.repositories.explicitList;
      const targets = named
        ? await Promise.all(named.map(async (repository) => ({ repository, client: await options.services.installations.forRepository(repository) })))
        : await options.services.installations.allManifestRepositories(options.services.repositories, log);
      for (const { repository, client } of targets) {
        if (!client) {
          proposals.push({ repository, environment: "", action: "failed", detail: `Bender is not installed on ${repository}` });
          continue;
        }
        try {
          proposals.push(...(await proposeToRepository(options.services, client, repository, build, log)));
        } catch (error) {
          // One repository Bender cannot handle (no permission to read it…) must not hold back the others.
          if (isUnreachable(error)) throw error;
          log.warn({ err: error, repository }, "build not proposed to a repository");
          proposals.push({ repository, environment: "", action: "failed", detail: (error as Error).message });
        }
      }
    } catch (error) {
      if (isUnreachable(error)) {
        log.warn({ err: error, build: describeBuild(build) }, "build deferred: GitHub unreachable");
        return reply(response, 503, { error: "GitHub cannot be reached right now; send the build again later", proposals });
      }
      throw error;
    }
    reportOutcomes(options.services, log, build, proposals);
    return reply(response, 200, { build: describeBuild(build), proposals });
  };
}
