/**
 * The fields every intake shares, as zod schemas whose messages state the rule,
 * plus the predicates the package intake uses to keep only trustworthy values.
 */
import { z } from "zod";
import { parseReference } from "../image-ref/index.js";
import type { ImageReference, ReferenceError } from "../image-ref/index.js";
import type { BuildSource } from "./build.js";
import { renderValue } from "./problems.js";

const commitPattern = /^[0-9a-f]{40}$/;
const loginPattern = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const repositoryPattern = /^(?<owner>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/(?<name>[A-Za-z0-9._-]{1,100})$/;

const IMAGE_RULE = 'expected an image reference with a tag and/or a digest, e.g. "ghcr.io/acme/api:1.4.1@sha256:…"';
const COMMIT_RULE = "expected a full commit SHA: 40 lowercase hex digits";
const URL_RULE = "expected an https:// URL without credentials, e.g. the workflow run that built the image";
const LOGIN_RULE = 'expected a GitHub login: 1 to 39 letters, digits or "-", starting with a letter or digit';
export const REPOSITORY_RULE =
  'expected "owner/name": an owner of 1 to 39 letters, digits or "-" (starting with a letter or digit) ' +
  'and a name of 1 to 100 letters, digits, ".", "_" or "-" (not "." or "..")';

export function isCommit(value: string): boolean {
  return commitPattern.test(value);
}

export function isLogin(value: string): boolean {
  return loginPattern.test(value);
}

export function isRepositoryName(value: string): boolean {
  const name = repositoryPattern.exec(value)?.groups?.["name"];
  return name !== undefined && name !== "." && name !== "..";
}

/** https only, and no `user:password@`: the URL is printed in pull requests and logs. */
function isHttpsUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === "https:" && url.username === "" && url.password === "";
}

/** A JSON object that refuses unknown fields by name, so typos surface instead of vanishing. */
export function closedObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `allowed fields are ${allowed}` : `expected an object with the fields ${allowed}`,
  });
}

function checkedString(check: (value: string) => boolean, rule: string) {
  return z.string({ error: rule }).refine(check, { error: rule });
}

const commitField = checkedString(isCommit, COMMIT_RULE);
const urlField = checkedString(isHttpsUrl, URL_RULE);
const loginField = checkedString(isLogin, LOGIN_RULE);
export const repositoryField = checkedString(isRepositoryName, REPOSITORY_RULE);

/**
 * parseReference's message without the input it repeats, and with the faulty
 * part quoted to `VALUE_LIMIT` characters like every other value in a problem.
 */
function referenceRule(input: string, error: ReferenceError): string {
  const head = `invalid image reference "${input}":`;
  const what = error.part === "reference" ? "" : ` the ${error.part} "${error.value}" is not allowed:`;
  if (!error.message.startsWith(head + what)) return error.message;
  const rule = error.message.slice(head.length + what.length).trim();
  return error.part === "reference" ? rule : `the ${error.part} ${renderValue(error.value)} is not allowed: ${rule}`;
}

/**
 * Parses `input` as the image of a build. On failure, `rule` says what is wrong
 * and what is allowed.
 */
export function checkImage(input: string): { ok: true; reference: ImageReference } | { ok: false; rule: string } {
  const result = parseReference(input);
  if (!result.ok) return { ok: false, rule: `not a valid image reference: ${referenceRule(input, result.error)}` };
  if (result.reference.tag === undefined && result.reference.digest === undefined) {
    return {
      ok: false,
      rule: 'it names no tag or digest; add ":<tag>" and/or "@sha256:<digest>" so Bender knows which build to roll out',
    };
  }
  return { ok: true, reference: result.reference };
}

/** A string that parses as an image reference with a tag or a digest; yields the parsed reference. */
export const imageField = z.string({ error: IMAGE_RULE }).transform((input, context): ImageReference => {
  const checked = checkImage(input);
  if (!checked.ok) {
    context.issues.push({ code: "custom", message: checked.rule, input });
    return z.NEVER;
  }
  return checked.reference;
});

export const sourceSchema = closedObject({
  repository: repositoryField.optional(),
  commit: commitField.optional(),
  url: urlField.optional(),
  author: loginField.optional(),
});

/** Drops absent fields; no fields at all means no source. */
export function compactSource(source: BuildSource | undefined): BuildSource | undefined {
  if (source === undefined) return undefined;
  const compact: BuildSource = {};
  if (source.repository !== undefined) compact.repository = source.repository;
  if (source.commit !== undefined) compact.commit = source.commit;
  if (source.url !== undefined) compact.url = source.url;
  if (source.author !== undefined) compact.author = source.author;
  return Object.keys(compact).length === 0 ? undefined : compact;
}
