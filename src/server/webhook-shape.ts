import { z } from "zod";

/**
 * The fields Bender's GitHub handlers read, per event, checked before a
 * handler runs: a validly signed payload of another shape (a test delivery,
 * a GitHub change, a leaked secret) is answered 400 with what was missing,
 * instead of a handler's TypeError answering 500. Other fields pass
 * unchecked; events Bender does not handle are not checked at all.
 */
const login = z.object({ login: z.string() });
const repository = z.object({ full_name: z.string(), name: z.string(), owner: login });
const installation = z.object({ id: z.number() });

const SHAPES: Record<string, z.ZodType> = {
  push: z.object({
    ref: z.string(),
    after: z.string(),
    deleted: z.boolean().optional(),
    commits: z.array(z.object({ added: z.array(z.string()).optional(), modified: z.array(z.string()).optional(), removed: z.array(z.string()).optional() })),
    repository: repository.extend({ default_branch: z.string() }),
    installation: installation.optional(),
  }),
  installation: z.object({ installation }),
  installation_repositories: z.object({ installation }),
  repository_dispatch: z.object({ repository }),
  registry_package: z.object({ installation: installation.optional() }),
  package: z.object({ installation: installation.optional() }),
  pull_request: z.object({
    action: z.string(),
    repository,
    sender: z.object({ login: z.string(), type: z.string() }),
    pull_request: z.object({
      number: z.number(),
      node_id: z.string(),
      html_url: z.string(),
      body: z.string().nullable(),
      merged: z.boolean().nullable().optional(),
      merged_by: login.nullable().optional(),
      auto_merge: z.unknown().optional(),
      user: z.object({ login: z.string(), type: z.string() }),
      head: z.object({ ref: z.string(), sha: z.string() }),
    }),
  }),
  deployment_status: z.object({
    repository,
    deployment: z.object({ id: z.number(), sha: z.string(), environment: z.string(), payload: z.unknown() }),
    deployment_status: z.object({ state: z.string(), description: z.string().nullable().optional() }),
  }),
};

/** Undefined when the payload has the shape Bender's handlers read; otherwise a sentence naming the first problems. */
export function webhookShapeProblem(event: string, payload: unknown): string | undefined {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return "the payload is not a JSON object";
  const schema = SHAPES[event];
  if (!schema) return undefined;
  const parsed = schema.safeParse(payload);
  if (parsed.success) return undefined;
  const problems = parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
  return `the ${event} payload is not what GitHub sends: ${problems.join("; ")}`;
}
