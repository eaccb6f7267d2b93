import { z } from "zod";
import { encodeButtonValue, escapeMrkdwn, refusal } from "./blocks/index.js";
import { decodeBreakGlassValue, pinValueOf } from "./blocks/policy-buttons.js";
import { VIEW_BREAK_GLASS } from "./model.js";
import { pin } from "./pin-action.js";
import { authorizeClick, tell } from "./proposal-actions.js";
import type { Click } from "./proposal-actions.js";
import type { MessageLocation, SlackContext } from "./slack-context.js";

/**
 * Break-glass: an approver pins although the release policy refuses (a
 * freeze, outside the deploy windows, a blackout), after an explicit second
 * confirmation. Pin's refusal carries "Pin anyway…"; it opens a modal that
 * asks why; the submission pins through Pin's own path with the gate
 * skipped (approvals and the head check still apply), the merge commit
 * carrying `Pinned-during-freeze-by:` (or `Pinned-outside-window-by:`) and
 * the reason, and the thread saying who broke the glass and why.
 */

export const REASON_BLOCK = "reason";
const REASON_INPUT = "reason_input";
/** The longest reason: one trailer line in the merge commit, one line in the thread. */
export const MAX_BREAK_GLASS_REASON = 300;

/** What the modal carries back: the button's value (decoded again on submission) and the channel of the proposal. */
const privateMetadataSchema = z.strictObject({ value: z.string().max(2000), channel: z.string().regex(/^[CDG][A-Z0-9]{2,30}$/) });

/** "Pin anyway…" pressed in the ephemeral refusal: authorise, then open the modal with the click's trigger_id. */
export async function openBreakGlassDialog(context: SlackContext, click: Click): Promise<void> {
  const decoded = decodeBreakGlassValue(click.value);
  if (!decoded.ok || !click.triggerId) {
    return tell(context, click.location, click.user, refusal({ kind: "invalid-button", detail: decoded.ok ? "the click carries no trigger_id" : decoded.reason }));
  }
  const value = decoded.value;
  const location: MessageLocation = { channel: click.location.channel, ts: value.ts };
  if (!(await authorizeClick(context, { user: click.user, value: encodeButtonValue(pinValueOf(value)), location }, "pin"))) return;
  const proposal = `${escapeMrkdwn(value.repository)}#${value.number}`;
  await context.slack.views.open({
    trigger_id: click.triggerId,
    view: {
      type: "modal",
      callback_id: VIEW_BREAK_GLASS,
      private_metadata: JSON.stringify({ value: String(click.value), channel: location.channel }),
      title: { type: "plain_text", text: "Break the glass" },
      submit: { type: "plain_text", text: "Pin anyway" },
      close: { type: "plain_text", text: "Cancel" },
      blocks: [
        {
          type: "section",
          text: {
            type: "mrkdwn",
            text:
              `:rotating_light: You are about to pin *${proposal}* to *${escapeMrkdwn(value.environment)}* although its release policy refuses pins now ` +
              "(a freeze, outside the deploy windows, or a blackout). This overrides the policy for this pin only. " +
              "Your name, what you overrode and your reason are written in the merge commit and in the proposal's thread.",
          },
        },
        {
          type: "input",
          block_id: REASON_BLOCK,
          optional: false,
          label: { type: "plain_text", text: "Why must this pin land now?" },
          element: { type: "plain_text_input", action_id: REASON_INPUT, multiline: true, max_length: MAX_BREAK_GLASS_REASON },
        },
      ],
    },
  });
}

export type ViewValues = Record<string, Record<string, { value?: string | null }>>;

/**
 * The reason typed, or why it cannot be used (shown under the field, as
 * Slack shows a view submission's `errors`). Slack's `max_length` is the
 * client's; a submission is data from Slack, so it is checked again here.
 */
export function breakGlassReason(values: ViewValues): { ok: true; reason: string } | { ok: false; why: string } {
  const reason = (values[REASON_BLOCK]?.[REASON_INPUT]?.value ?? "").replace(/\s+/g, " ").trim();
  if (reason === "") return { ok: false, why: "Say why this pin cannot wait: the reason is recorded in the merge commit." };
  if (reason.length > MAX_BREAK_GLASS_REASON) return { ok: false, why: `The reason is ${reason.length} characters; keep it to ${MAX_BREAK_GLASS_REASON}.` };
  return { ok: true, reason };
}

export interface BreakGlassSubmission {
  readonly user: string;
  readonly privateMetadata: string;
  readonly reason: string;
}

/**
 * The modal submitted (its reason already checked by `breakGlassReason`).
 *
 * 1. Read the private metadata and the button's value again: both came back through Slack.
 * 2. Authorise the person again: approvers may have changed while the modal was open.
 * 3. Pin through Pin's path with the override: the gate skipped, the glass recorded.
 */
export async function breakGlassSubmitted(context: SlackContext, submission: BreakGlassSubmission): Promise<void> {
  // 1. Read.
  const metadata = breakGlassPlace(submission.privateMetadata);
  if (!metadata) return void context.log.warn("break-glass modal with unreadable private metadata");
  const decoded = decodeBreakGlassValue(metadata.value);
  const here: MessageLocation = { channel: metadata.channel, ts: decoded.ok ? decoded.value.ts : "" };
  if (!decoded.ok) return tell(context, here, submission.user, refusal({ kind: "invalid-button", detail: decoded.reason }));
  // 2. Authorise (pin does, with the Pin value); 3. pin with the override.
  await pin(context, { user: submission.user, value: encodeButtonValue(pinValueOf(decoded.value)), location: here }, { reason: submission.reason });
}

/** The modal's private metadata, validated; undefined when it does not read. */
export function breakGlassPlace(privateMetadata: string): z.infer<typeof privateMetadataSchema> | undefined {
  try {
    const parsed = privateMetadataSchema.safeParse(JSON.parse(privateMetadata));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
