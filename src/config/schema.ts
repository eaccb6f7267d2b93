import { z } from "zod";
import {
  ENVIRONMENT_NAME,
  ENVIRONMENT_NAME_RULE,
  approversSchema,
  branchSchema,
  channelSchema,
  expected,
  githubLoginsSchema,
  pathSchema,
  repositorySchema,
  tagPatternSchema,
} from "./fields.js";
import { parseReference } from "../image-ref/index.js";
import { checkReleasePolicy } from "./release-checks.js";
import {
  MAX_BLACKOUTS,
  MAX_WINDOWS,
  approvalsSchema,
  blackoutSchema,
  durationSchema,
  timeZoneSchema,
  windowSchema,
} from "./release-fields.js";

const slackSchema = z
  .strictObject(
    {
      channel: channelSchema,
      approvers: approversSchema,
      confirm: z
        .boolean({ error: expected("true or false") })
        .default(false)
        .describe("Ask for a confirmation dialog before pinning. Default: false."),
    },
    { error: expected("a map with channel and approvers") },
  )
  .describe("Where proposals for this environment are posted in Slack, and who may pin them.");

const environmentSchema = z
  .strictObject(
    {
      paths: z
        .array(pathSchema, { error: expected("a list of folders or globs relative to the repository root, e.g. [clusters/staging]") })
        .min(1, { error: "list at least one folder or glob, e.g. [clusters/staging]" })
        .describe("The folders (everything below them) and globs this environment owns, relative to the repository root."),
      branch: branchSchema.optional(),
      autoPin: z
        .boolean({ error: expected("true or false") })
        .default(false)
        .describe("Merge a new build's pull request without waiting for a pin. Default: false."),
      slack: slackSchema.optional(),
      // Release policy (docs/policy.md). No defaults here: src/policy applies them, so a config without them reads as written.
      timezone: timeZoneSchema.optional().describe("The time zone of this environment's windows (unless a window names its own) and of its blackout dates."),
      windows: z
        .array(windowSchema, { error: expected('a list of windows, e.g. [{ days: [mon, tue], from: "09:00", to: "16:00" }]') })
        .min(1, { error: "list at least one window, or remove the key to allow pins at any time" })
        .max(MAX_WINDOWS, { error: `list at most ${MAX_WINDOWS} windows` })
        .describe("When pins may land. Outside every window, automatic pins wait for the next opening and Pin is refused. Default: any time.")
        .optional(),
      blackouts: z
        .array(blackoutSchema, { error: expected('a list of dates, e.g. ["2026-12-24", "2026-12-28..2027-01-01"]') })
        .max(MAX_BLACKOUTS, { error: `list at most ${MAX_BLACKOUTS} dates or ranges` })
        .describe("Dates (or inclusive ranges) when no window opens, in the environment's timezone.")
        .optional(),
      approvals: approvalsSchema.optional(),
      approvalsExpireAfter: durationSchema
        .describe('How long an approval counts, e.g. "24h" or "1d12h". Default: until the build is superseded.')
        .optional(),
      allowSelfApproval: z
        .boolean({ error: expected("true or false") })
        .describe("Let the author of a build approve it. Default: false.")
        .optional(),
      freezers: approversSchema.describe('Who may freeze and thaw this environment from Slack: "anyone", or Slack user and user-group IDs. Default: slack.approvers.').optional(),
    },
    { error: expected("a map with at least paths, e.g. { paths: [clusters/staging] }") },
  )
  .superRefine(checkReleasePolicy, { when: () => true })
  .describe("One deployment target: the files it owns and how changes to them are proposed.");

const imagePolicySchema = z
  .strictObject(
    {
      repository: repositorySchema,
      tagPattern: tagPatternSchema.optional(),
      environments: z
        .array(z.string({ error: expected("an environment name") }), {
          error: expected("a list of environment names, e.g. [staging, production]"),
        })
        .min(1, { error: "list at least one environment, or remove the key to allow all" })
        .describe("The environments this image may go to. Default: all.")
        .optional(),
    },
    { error: expected("a map with at least repository, e.g. { repository: ghcr.io/acme/api }") },
  )
  .describe("A policy for one image repository.");

const environmentsSchema = z
  .record(z.string(), environmentSchema, {
    error: expected("a map of environment names to their settings, e.g. { staging: { paths: [clusters/staging] } }"),
  })
  .superRefine(checkEnvironmentNames, { when: () => true })
  .meta({
    description: "The environments of this repository, by name. At least one.",
    minProperties: 1,
    propertyNames: { pattern: ENVIRONMENT_NAME.source },
  });

export const configSchema = z
  .strictObject(
    {
      environments: environmentsSchema,
      images: z
        .array(imagePolicySchema, { error: expected("a list of image policies, e.g. [{ repository: ghcr.io/acme/api }]") })
        .describe("Optional policies per image repository: which tags are allowed and where the image may go.")
        .optional(),
      mergeMethod: z
        .enum(["merge", "squash", "rebase"], { error: (issue) => `must be "merge", "squash" or "rebase", not ${JSON.stringify(issue.input)}` })
        .default("squash")
        .describe("How Bender merges its pull requests: merge, squash or rebase. Default: squash."),
      githubLogins: githubLoginsSchema.optional(),
    },
    { error: expected("a map with at least environments") },
  )
  .superRefine(checkCrossReferences, { when: () => true })
  .meta({
    title: "Bender configuration (.github/bender.yml)",
    description: "Configuration of a manifest repository for Bender, the GitOps bump bot.",
  });

export type BenderConfig = z.output<typeof configSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type ImagePolicy = z.output<typeof imagePolicySchema>;
export type SlackConfig = z.output<typeof slackSchema>;

export type MergeMethod = BenderConfig["mergeMethod"];

/** The keys each strict map allows, by its place in the file; used to suggest a key for a misspelt one. */
export function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  const [first, , third] = path;
  if (path.length === 0) return Object.keys(configSchema.shape);
  if (first === "environments" && path.length === 2) return Object.keys(environmentSchema.shape);
  if (first === "environments" && path.length === 3 && third === "slack") return Object.keys(slackSchema.shape);
  if (first === "environments" && path.length === 4 && third === "windows") return Object.keys(windowSchema.shape);
  if (first === "images" && path.length === 2) return Object.keys(imagePolicySchema.shape);
  return [];
}

/**
 * Names are checked here rather than as the record's key schema: a rejected
 * key would hide every problem inside that environment, and the brief is to
 * list them all.
 */
function checkEnvironmentNames(environments: Record<string, unknown>, context: z.RefinementCtx): void {
  if (!isMap(environments)) return;
  const names = Object.keys(environments);
  if (names.length === 0) {
    context.addIssue({ code: "custom", input: environments, message: "list at least one environment, e.g. { staging: { paths: [clusters/staging] } }" });
  }
  for (const name of names) {
    if (ENVIRONMENT_NAME.test(name)) continue;
    context.addIssue({
      code: "custom",
      path: [name],
      input: name,
      message: `"${name}" is not a valid environment name: ${ENVIRONMENT_NAME_RULE}`,
    });
  }
}

/**
 * Rules that span the file: a policy names existing environments, and each
 * repository has one policy. Runs on partly invalid input too, so it reads
 * the value defensively.
 */
function checkCrossReferences(config: unknown, context: z.RefinementCtx): void {
  if (!isMap(config) || !Array.isArray(config.images)) return;
  const names = isMap(config.environments) ? Object.keys(config.environments) : undefined;
  const seen = new Map<string, number>();
  for (const [index, policy] of config.images.entries()) {
    if (!isMap(policy)) continue;
    if (typeof policy.repository === "string") {
      const parsed = parseReference(policy.repository);
      const first = parsed.ok ? seen.get(parsed.reference.repository) : undefined;
      if (parsed.ok && first !== undefined) {
        context.addIssue({
          code: "custom",
          path: ["images", index, "repository"],
          input: policy.repository,
          message: `names the same repository as images[${first}]: write one policy per repository`,
        });
      }
      if (parsed.ok && first === undefined) seen.set(parsed.reference.repository, index);
    }
    if (names === undefined || !Array.isArray(policy.environments)) continue;
    for (const [position, name] of policy.environments.entries()) {
      if (typeof name !== "string" || names.includes(name)) continue;
      context.addIssue({
        code: "custom",
        path: ["images", index, "environments", position],
        input: name,
        message: `"${name}" is not an environment of this file: use ${names.length === 0 ? "a name listed under environments" : `one of ${names.join(", ")}`}`,
      });
    }
  }
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
