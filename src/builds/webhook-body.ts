import { z } from "zod";
import type { Build, BuildIntake } from "./build.js";
import { REPOSITORY_RULE, closedObject, compactSource, imageField, repositoryField, sourceSchema } from "./build-fields.js";
import { describeIssues } from "./problems.js";

/** One request may name at most this many manifest repositories. */
export const MAX_REPOSITORIES = 50;

const REPOSITORIES_RULE = `expected a list of 1 to ${MAX_REPOSITORIES} repositories, each ${REPOSITORY_RULE}`;

const webhookBodySchema = closedObject({
  image: imageField,
  source: sourceSchema.optional(),
  repositories: z
    .array(repositoryField, { error: REPOSITORIES_RULE })
    .min(1, { error: REPOSITORIES_RULE })
    .max(MAX_REPOSITORIES, { error: REPOSITORIES_RULE })
    .optional(),
});

/** GitHub treats `Acme/API` and `acme/api` as one repository: keep the first spelling of each. */
function uniqueRepositories(repositories: readonly string[]): string[] {
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const repository of repositories) {
    const key = repository.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(repository);
  }
  return unique;
}

/**
 * Reads the JSON body of Bender's own POST /api/builds:
 * `{ image, source?, repositories? }`. Unknown fields are refused by name.
 * The signature is the server's business; this only judges the content.
 */
export function buildFromWebhookBody(body: unknown): BuildIntake {
  const parsed = webhookBodySchema.safeParse(body);
  if (!parsed.success) {
    return { kind: "invalid", problems: describeIssues(parsed.error.issues, body, { prefix: "", where: "the request body" }) };
  }
  const { image, repositories } = parsed.data;
  const source = compactSource(parsed.data.source);
  const build: Build = { image, origin: "webhook" };
  if (source !== undefined) build.source = source;
  if (repositories === undefined) return { kind: "build", build };
  return { kind: "build", build, repositories: uniqueRepositories(repositories) };
}
