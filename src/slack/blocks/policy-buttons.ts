import type { types } from "@slack/bolt";
import { z } from "zod";
import { ACTION_BREAK_GLASS, ACTION_THAW } from "../model.js";
import type { ButtonValue } from "../model.js";
import { buttonValueSchema } from "./button-value.js";
import { SLACK_LIMITS } from "./limits.js";
import { clampMrkdwn } from "./mrkdwn.js";

/**
 * The release policy's buttons: Thaw on a freeze's announcement, "Pin
 * anyway…" on Pin's refusal. Their values come back in payloads anyone in
 * the workspace can forge, so they are validated on the way back in, like
 * Pin's (button-value.ts), and every field is bounded.
 */

/** A Thaw button names the freeze it was drawn for: the repository's file, the environment, when it started. */
const thawValueSchema = buttonValueSchema.pick({ v: true, repository: true, environment: true }).extend({
  since: z.iso.datetime({ offset: true, error: "expected the freeze's start time" }),
});
export type ThawValue = z.infer<typeof thawValueSchema>;

/** "Pin anyway…" carries Pin's own value and the proposal message's timestamp (it sits in an ephemeral reply). */
const breakGlassValueSchema = buttonValueSchema.extend({ ts: z.string().regex(/^\d{1,12}\.\d{1,8}$/, { error: "expected a Slack message timestamp" }) });
export type BreakGlassValue = z.infer<typeof breakGlassValueSchema>;

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export function encodeThawValue(value: ThawValue): string {
  return encode(thawValueSchema, value);
}

export function decodeThawValue(raw: unknown): Decoded<ThawValue> {
  return decode(thawValueSchema, raw);
}

export function encodeBreakGlassValue(value: ButtonValue, ts: string): string {
  return encode(breakGlassValueSchema, { ...value, ts });
}

export function decodeBreakGlassValue(raw: unknown): Decoded<BreakGlassValue> {
  return decode(breakGlassValueSchema, raw);
}

/** Pin's own value, out of a break-glass value. */
export function pinValueOf({ v, repository, number, head, environment }: BreakGlassValue): ButtonValue {
  return { v, repository, number, head, environment };
}

/** An announcement or reply as text, with its buttons below; `text` is mrkdwn, clamped to a section's limit. */
export function withButtons(text: string, buttons: readonly types.Button[]): { text: string; blocks: types.KnownBlock[] } {
  const shown = clampMrkdwn(text, SLACK_LIMITS.sectionText);
  return {
    text: shown,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: shown } },
      { type: "actions", block_id: "bender_policy", elements: [...buttons] },
    ],
  };
}

export function thawButton(value: ThawValue): types.Button {
  return { type: "button", action_id: ACTION_THAW, text: { type: "plain_text", text: "Thaw" }, value: encodeThawValue(value) };
}

export function breakGlassButton(value: ButtonValue, ts: string): types.Button {
  return { type: "button", action_id: ACTION_BREAK_GLASS, text: { type: "plain_text", text: "Pin anyway…" }, style: "danger", value: encodeBreakGlassValue(value, ts) };
}

function encode<T>(schema: z.ZodType<T>, value: T): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new TypeError(`cannot encode a button value: ${describe(parsed.error)}`);
  const encoded = JSON.stringify(parsed.data);
  if (encoded.length > SLACK_LIMITS.buttonValue) throw new RangeError(`a button value is ${encoded.length} characters; Slack allows ${SLACK_LIMITS.buttonValue}`);
  return encoded;
}

function decode<T>(schema: z.ZodType<T>, raw: unknown): Decoded<T> {
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
