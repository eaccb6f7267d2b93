import { z } from "zod";
import { parseReference } from "../image-ref/index.js";

/**
 * The leaf values of `.github/bender.yml`: each schema carries its own rules
 * and messages, worded as "what is wrong, and what is allowed", so a problem
 * reads well after its path (`environments.production.branch — …`).
 */

/** Environment names go into branch names and labels, hence the narrow alphabet. */
export const ENVIRONMENT_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
export const ENVIRONMENT_NAME_RULE =
  'use 1 to 40 lowercase letters, digits and "-", starting with a letter or digit (the name goes into branch names and labels)';

const CHANNEL = /^(?:#[a-z0-9._-]{1,80}|[CG][A-Z0-9]{8,20})$/;
const APPROVER = /^[UWS][A-Z0-9]{8,20}$/;

/** Describes a YAML value by its kind, for "must be X, not Y" messages. */
function kindOf(value: unknown): string {
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return "text";
  if (typeof value === "boolean") return value ? "true" : "false";
  return `a ${typeof value}`;
}

/** An error map for a type mismatch: a missing key says "is required", a wrong one names what it got. */
export function expected(what: string): (issue: { input?: unknown }) => string {
  return (issue) =>
    issue.input === undefined ? `is required: ${what}` : `must be ${what}, not ${kindOf(issue.input)}`;
}

/**
 * A folder or glob relative to the repository root. Each rule is its own
 * check so that the message says which one was broken, and the editor schema
 * carries every pattern.
 */
export const pathSchema = z
  .string({ error: expected("a folder or glob relative to the repository root, e.g. clusters/staging") })
  .min(1, { error: 'must not be empty: write a folder such as clusters/staging, or "**" for the whole repository' })
  .regex(/^(?!\/)/, { error: 'must be relative to the repository root: remove the leading "/"' })
  .regex(/^[^\\]*$/, { error: 'must separate folders with "/", not "\\"' })
  .regex(/^(?!(?:.*\/)?\.\.(?:\/|$))/, { error: 'must not contain a ".." segment: paths stay inside the repository' })
  .regex(/^(?!!)/, { error: 'must not start with "!": negated globs are not supported; list the folders the environment owns' })
  .regex(/^(?!\.(?:\/+\.)*\/*$)/, { error: 'must name a folder or glob below the root: write "**" for the whole repository' })
  .describe(
    'A folder (meaning everything below it, e.g. "clusters/staging") or a glob (e.g. "clusters/prod-*/**"), relative to the repository root.',
  );

/** A git branch name by `git check-ref-format --branch`, one check per rule. */
export const branchSchema = z
  .string({ error: expected("a git branch name, e.g. main") })
  .min(1, { error: "must not be empty: write a branch name such as main, or remove the key to use the default branch" })
  .regex(/^[^\s]*$/, { error: "a branch name must not contain spaces" })
  // eslint-disable-next-line no-control-regex -- git refuses control characters in ref names
  .regex(/^[^~^:?*[\\\u0000-\u001f\u007f]*$/, {
    error: 'a branch name must not contain "~", "^", ":", "?", "*", "[", "\\" or control characters',
  })
  .regex(/^(?!.*\.\.)/, { error: 'a branch name must not contain ".."' })
  .regex(/^(?!.*@\{)/, { error: 'a branch name must not contain "@{"' })
  .regex(/^(?!-)/, { error: 'a branch name must not start with "-"' })
  .regex(/^(?!\/)(?!.*\/\/)(?!.*\/$)/, { error: 'a branch name must not start or end with "/" or contain "//"' })
  .regex(/^(?!\.)(?!.*\/\.)/, { error: 'a branch name and each of its "/"-separated parts must not start with "."' })
  .regex(/^(?!.*\.lock(?:\/|$))(?!.*\.$)/, { error: 'a branch name must not end with ".lock" or "."' })
  .regex(/^(?!@$)/, { error: 'a branch name must not be "@"' })
  .describe("The branch Bender proposes changes against. Default: the repository's default branch.");

export const tagPatternSchema = z
  .string({ error: expected('a JavaScript regular expression, e.g. "^\\d+\\.\\d+\\.\\d+$"') })
  .superRefine((pattern, context) => {
    const problem = regExpProblem(pattern);
    if (problem !== undefined) context.addIssue({ code: "custom", input: pattern, message: problem });
  })
  .meta({
    format: "regex",
    description:
      'A JavaScript regular expression the tag must match, e.g. "^\\d+\\.\\d+\\.\\d+$". It matches anywhere unless anchored with ^ and $. Digest-only references are refused when a pattern is set.',
  });

/** Why a pattern does not compile as a JavaScript RegExp, or undefined if it does. */
function regExpProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `is not a valid JavaScript regular expression (${reason}); write e.g. "^\\d+\\.\\d+\\.\\d+$"`;
  }
}

export const repositorySchema = z
  .string({ error: expected("an image repository without tag or digest, e.g. ghcr.io/acme/api") })
  .superRefine((written, context) => {
    const problem = repositoryProblem(written);
    if (problem !== undefined) context.addIssue({ code: "custom", input: written, message: problem });
  })
  .describe(
    "An image repository in any written form (redis, docker.io/library/redis and index.docker.io/library/redis are one repository), without tag or digest.",
  );

/** Why a written repository is not a bare repository name, or undefined if it is. */
function repositoryProblem(written: string): string | undefined {
  const result = parseReference(written);
  if (!result.ok) return result.error.message;
  const { name, tag, digest } = result.reference;
  if (tag === undefined && digest === undefined) return undefined;
  return `must name a repository without tag or digest: write "${name}"; limit tags with tagPattern`;
}

export const channelSchema = z
  .string({ error: expected('a Slack channel name ("#deploys") or channel ID ("C0123ABCD")') })
  .regex(CHANNEL, {
    error: (issue) =>
      `"${String(issue.input)}" is not a Slack channel: write its name with "#" (lowercase letters, digits, "-", "_" and ".", e.g. "#deploys") or its ID (C… or G…, e.g. "C0123ABCD")`,
  })
  .describe('The Slack channel for this environment\'s proposals: a name with "#" ("#deploys") or an ID (C… or G…).');

const approverSchema = z
  .string({ error: expected("a Slack user ID (U… or W…) or user-group ID (S…)") })
  .regex(APPROVER, {
    error: (issue) =>
      `"${String(issue.input)}" is not a Slack user or user-group ID: use IDs such as U012ABCDEF (a user, from "Copy member ID") or S0123ABCD (a user group)`,
  });

export const approversSchema = z
  .union([z.literal("anyone"), z.array(approverSchema).min(1, { error: 'list at least one approver, or write "anyone"' })], {
    error: expected('"anyone" or a list of Slack user IDs (U…/W…) and user-group IDs (S…)'),
  })
  .describe('Who may pin to this environment from Slack: "anyone" in the channel, or a list of Slack user IDs (U…/W…) and user-group IDs (S…).');

const SLACK_USER = /^[UW][A-Z0-9]{8,20}$/;
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
export const MAX_GITHUB_LOGINS = 2000;

/**
 * Who each Slack user is on GitHub, so Pin can tell a build's author (a
 * GitHub login) from its approvers (Slack users). Explicit only: Bender never
 * guesses from names or e-mail addresses.
 */
export const githubLoginsSchema = z
  .record(
    z.string().regex(SLACK_USER, {
      error: (issue) => `"${String(issue.input)}" is not a Slack user ID: use IDs such as U012ABCDEF (from "Copy member ID")`,
    }),
    z.string({ error: expected("a GitHub login") }).regex(GITHUB_LOGIN, {
      error: (issue) => `"${String(issue.input)}" is not a GitHub login: 1 to 39 letters, digits or "-", starting with a letter or digit`,
    }),
    { error: expected("a map of Slack user IDs to GitHub logins, e.g. { U012ABCDEF: alice }") },
  )
  .refine((logins) => Object.keys(logins).length <= MAX_GITHUB_LOGINS, { error: `list at most ${MAX_GITHUB_LOGINS} people` })
  .describe(
    "Slack user ID → GitHub login, for the release policy's self-approval rule: the author of a build (a GitHub login) may not approve it unless allowSelfApproval.",
  );
