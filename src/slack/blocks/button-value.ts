import { z } from "zod";
import { ENVIRONMENT_NAME } from "../../config/fields.js";
import type { ButtonValue } from "../model.js";
import { SLACK_LIMITS } from "./limits.js";

/**
 * A button's value travels through Slack and comes back in a payload anyone
 * in the workspace can forge, so it is validated on the way back in. Every
 * field is bounded, so an encoded value stays far below Slack's 2,000
 * characters (about 250 at most).
 */
const REPOSITORY = /^(?<owner>[A-Za-z0-9][A-Za-z0-9_-]{0,99})\/(?<name>[A-Za-z0-9._-]{1,100})$/;

export const buttonValueSchema = z.strictObject({
  v: z.literal(1, { error: "was drawn by another version of Bender" }),
  repository: z
    .string()
    .regex(REPOSITORY, { error: "expected owner/name" })
    .refine((value) => !value.endsWith("/.") && !value.endsWith("/.."), { error: "expected owner/name" }),
  number: z.number().int().positive(),
  head: z.string().regex(/^[0-9a-f]{40}$/, { error: "expected a 40-character commit ID" }),
  environment: z.string().regex(ENVIRONMENT_NAME, { error: "expected an environment name" }),
});

export type DecodedButtonValue =
  | { readonly ok: true; readonly value: ButtonValue }
  | { readonly ok: false; readonly reason: string };

/**
 * The string a button carries. Throws on a value the schema refuses: views
 * are drawn from validated data, so that is a bug, not input to report.
 */
export function encodeButtonValue(value: ButtonValue): string {
  const parsed = buttonValueSchema.safeParse(value);
  if (!parsed.success) throw new TypeError(`cannot encode a button value: ${describe(parsed.error)}`);
  const { v, repository, number, head, environment } = parsed.data;
  const encoded = JSON.stringify({ v, repository, number, head, environment });
  if (encoded.length > SLACK_LIMITS.buttonValue) throw new RangeError(`a button value is ${encoded.length} characters; Slack allows ${SLACK_LIMITS.buttonValue}`);
  return encoded;
}

/** Reads a button value from a payload; anything else comes back as a reason, never an exception. */
export function decodeButtonValue(raw: unknown): DecodedButtonValue {
  return decodeWith(buttonValueSchema, raw);
}

/**
 * Encodes any button's value with its schema (the release policy's buttons
 * use it too). Throws on a value the schema refuses or one over Slack's limit.
 */
export function encodeWith<T>(schema: z.ZodType<T>, value: T): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new TypeError(`cannot encode a button value: ${describe(parsed.error)}`);
  const encoded = JSON.stringify(parsed.data);
  if (encoded.length > SLACK_LIMITS.buttonValue) throw new RangeError(`a button value is ${encoded.length} characters; Slack allows ${SLACK_LIMITS.buttonValue}`);
  return encoded;
}

/** Reads any button's value from a payload with its schema; anything else comes back as a reason, never an exception. */
export function decodeWith<T>(schema: z.ZodType<T>, raw: unknown): { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string } {
  if (typeof raw !== "string") return { ok: false, reason: "the button carries no value" };
  if (raw.length > SLACK_LIMITS.buttonValue) return { ok: false, reason: `the button value is longer than ${SLACK_LIMITS.buttonValue} characters` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: "the button value is not JSON" };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `the button value is invalid: ${describe(parsed.error)}` };
  return { ok: true, value: parsed.data };
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join(".") || "its root"} ${issue?.message ?? "is invalid"}`;
}
