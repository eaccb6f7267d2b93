import { z } from "zod";
import { readPullRequest } from "../github/pull-request-ops.js";
import { readUnpinState } from "../github/read-unpin-state.js";
import { writeUnpin } from "../github/write-unpin.js";
import { repositorySlug } from "../proposals/branch-name.js";
import { decodeMetadata } from "../proposals/metadata.js";
import { inlineEngine, restoreFiles } from "../manifests/io/manifest-engine.js";
import { decideUnpin, unpinFiles } from "../proposals/plan-unpin.js";
import { githubRefused, unpinnedLine } from "./blocks/index.js";
import type { ProposalView } from "./model.js";
import { VIEW_UNPIN } from "./model.js";
import { authorizeClick, redraw, tell, threadReply } from "./proposal-actions.js";
import type { AuthorizedClick, Click } from "./proposal-actions.js";
import { SlackActionError } from "./slack-context.js";
import type { MessageLocation, SlackContext } from "./slack-context.js";

const REASON_BLOCK = "reason";
const REASON_INPUT = "reason_input";
const UNREADABLE = (): string => githubRefused("this button cannot be read");

const privateMetadataSchema = z.object({ value: z.string(), channel: z.string().min(1), ts: z.string().min(1) });

/** Unpin asks why first (optional), in a modal that carries the button's value and the message's place. */
export async function openUnpinDialog(context: SlackContext, click: Click): Promise<void> {
  if (!click.triggerId) return tell(context, click.location, click.user, UNREADABLE());
  if (!(await authorizeClick(context, click, "unpin", UNREADABLE))) return;
  await context.slack.views.open({
    trigger_id: click.triggerId,
    view: {
      type: "modal",
      callback_id: VIEW_UNPIN,
      private_metadata: JSON.stringify({ value: String(click.value), channel: click.location.channel, ts: click.location.ts }),
      title: { type: "plain_text", text: "Unpin" },
      submit: { type: "plain_text", text: "Unpin" },
      close: { type: "plain_text", text: "Cancel" },
      blocks: [
        {
          type: "input",
          block_id: REASON_BLOCK,
          optional: true,
          label: { type: "plain_text", text: "Why? (recorded with the hold)" },
          element: { type: "plain_text_input", action_id: REASON_INPUT, max_length: 300 },
        },
      ],
    },
  });
}

export interface UnpinSubmission {
  readonly user: string;
  readonly privateMetadata: string;
  readonly values: Record<string, Record<string, { value?: string | null }>>;
}

/**
 * Unpin: restore the values the pin replaced, through a new PR merged at
 * once, and hold the (environment, image) there in the same commit.
 *
 * 1. Authorise again; the PR must be merged and be the latest pin of its
 *    (environment, image): an older pin's Unpin no longer applies.
 * 2. Read the files the pin changed and the holds file, in one query.
 * 3. Plan the restore (conflicts — values changed since — are reported).
 * 4. One document: branch, commit, PR; a second: the merge.
 * 5. Redraw as unpinned; the thread says where the environment is held.
 */
export async function unpinSubmitted(context: SlackContext, submission: UnpinSubmission): Promise<void> {
  let parsed: z.infer<typeof privateMetadataSchema>;
  try {
    parsed = privateMetadataSchema.parse(JSON.parse(submission.privateMetadata));
  } catch {
    context.log.warn("unpin dialog with unreadable private metadata");
    return;
  }
  const location: MessageLocation = { channel: parsed.channel, ts: parsed.ts };
  // The person is authorised again: the dialog may have stayed open while approvers changed.
  const authorized = await authorizeClick(context, { user: submission.user, value: parsed.value, location }, "unpin", UNREADABLE);
  if (!authorized) return;
  const reason = submission.values[REASON_BLOCK]?.[REASON_INPUT]?.value ?? undefined;
  try {
    await unpin(context, authorized, location, submission.user, reason || undefined);
  } catch (error) {
    if (error instanceof SlackActionError) return tell(context, location, submission.user, githubRefused(error.message));
    throw error;
  }
}

async function unpin(context: SlackContext, { value, access }: AuthorizedClick, location: MessageLocation, user: string, reason: string | undefined): Promise<void> {
  // 1. Authorised (by the caller); merged, and the latest pin.
  const pullRequest = await readPullRequest(access.client, value.repository, value.number);
  const decoded = pullRequest ? decodeMetadata(pullRequest.body) : undefined;
  if (!pullRequest || !decoded?.ok || decoded.metadata.kind !== "proposal") throw new SlackActionError("not-a-proposal", `${value.repository}#${value.number} is not a Bender proposal`);
  if (pullRequest.state !== "MERGED") throw new SlackActionError("never-pinned", `${value.repository}#${value.number} was never pinned, so there is nothing to unpin`);
  const pinned = decoded.metadata;
  const view = (status: ProposalView["status"]): ProposalView => ({
    repository: value.repository,
    environment: value.environment,
    pullRequest: { number: pullRequest.number, url: pullRequest.url, headOid: pullRequest.headOid },
    metadata: pinned,
    webUrl: context.services.webUrl,
    status,
  });

  // 2. Read.
  const state = await readUnpinState(access.client, value.repository, value.environment, pinned);
  const latest = state?.latestPin;
  if (latest && latest.number !== pullRequest.number) {
    await redraw(context, location, view({ kind: "stale-pin", laterPin: latest }));
    return tell(context, location, user, githubRefused(`only the latest pin of ${pinned.repository} in ${value.environment} can be unpinned: #${latest.number}`));
  }
  if (!state) throw new SlackActionError("repository-unreadable", `cannot read ${value.repository}`);
  const base = state.base;
  if (!base) throw new SlackActionError("branch-missing", `${value.repository} has no branch ${pinned.baseBranch}`);

  // 3. Plan.
  const at = context.now().toISOString();
  const input = {
    pinned,
    pinnedPullRequest: { number: pullRequest.number, url: pullRequest.url },
    files: state.files,
    holdsText: state.holdsText,
    by: `<@${user}>`,
    at,
    ...(reason ? { reason } : {}),
    webUrl: context.services.webUrl,
  };
  // The engine runs off the event loop (the server's worker pool); the decision is pure.
  const plan = decideUnpin(input, await restoreFiles(context.services.engine ?? inlineEngine, unpinFiles(input), pinned.changes));
  if (plan.action === "none") return tell(context, location, user, githubRefused(plan.detail));

  // 4. Write: branch + commit + PR, then labels + merge.
  const branch = `bender-unpin/${value.environment}/${repositorySlug({ repository: pinned.repository })}-${context.services.uniqueId()}`;
  const written = await writeUnpin(access.client, {
    state: { ...state, base },
    branch,
    title: plan.title,
    body: plan.body,
    commit: plan.commit,
    files: plan.files,
    mergeMethod: access.config.mergeMethod,
    user,
  });
  if (!written.ok && written.stage === "create") return tell(context, location, user, githubRefused(`the unpin could not be written: ${written.message}; try again`));
  if (!written.ok) return tell(context, location, user, githubRefused(`the unpin PR ${written.pullRequest.url} is open but GitHub refused to merge it: ${written.message}`));

  // 5. Tell.
  await redraw(context, location, view({ kind: "unpinned", by: user, at, backTo: plan.version, reason }));
  await threadReply(context, location, unpinnedLine(user, at, plan.version, reason));
}
