import { disableAutoMerges, readArmedAutoMerges } from "../github/auto-merges.js";
import type { ArmedProposal } from "../github/auto-merges.js";
import { decodeMetadata } from "../proposals/metadata.js";
import { describeFreeze, displayZone } from "../policy/index.js";
import type { Freeze } from "../policy/index.js";
import { escapeMrkdwn, sanitizeReason } from "./blocks/index.js";
import type { Target } from "./freeze-commands.js";
import { redraw, threadReply } from "./proposal-actions.js";
import { policyText } from "./release-gate.js";
import type { SlackContext } from "./slack-context.js";

/**
 * A freeze that starts cancels the GitHub auto-merges Pin armed ("pins when
 * checks pass") on the environment's open proposals, which would otherwise
 * land during the freeze when their checks pass.
 *
 * 1. Read the environment's open proposals with their auto-merge, in one query.
 * 2. Turn auto-merge off on the armed ones, in one request.
 * 3. Redraw each one's message (Pin again) and say why in its thread.
 *
 * Returns the sentence the freeze's announcement adds ("" when none was
 * armed). The freeze is committed already: a failure here is told, not thrown.
 */
export async function cancelArmedAutoMerges(context: SlackContext, target: Target, freeze: Freeze): Promise<string> {
  const environment = target.policy.environment;
  let armed: ArmedProposal[];
  let cancelled: readonly string[];
  let failed: number;
  try {
    // 1. Read; 2. cancel.
    armed = await readArmedAutoMerges(target.client, target.repository, environment);
    const disabled = await disableAutoMerges(target.client, armed.map((proposal) => proposal.id));
    cancelled = disabled.cancelled;
    failed = disabled.failed.length;
    for (const failure of disabled.failed) context.log.warn({ pullRequest: failure.id, github: failure.message }, "auto-merge not cancelled by a freeze");
  } catch (error) {
    context.log.warn({ err: error, repository: target.repository }, "armed auto-merges not checked by a freeze");
    return ` Auto-merges armed on its proposals could not be checked (${escapeMrkdwn(sanitizeReason((error as Error).message))}): cancel them in GitHub.`;
  }
  // 3. Redraw and reply.
  const confirm = target.config.environments[environment]?.slack?.confirm ?? false;
  const now = context.now().getTime();
  const frozen = policyText(describeFreeze(freeze, displayZone(target.policy), now), freeze.by);
  const why = `:snowflake: GitHub's auto-merge was cancelled: *${escapeMrkdwn(environment)}* is ${frozen}. Pin again once it thaws.`;
  for (const proposal of armed.filter((candidate) => cancelled.includes(candidate.id))) {
    const decoded = decodeMetadata(proposal.body);
    const place = decoded.ok && decoded.metadata.kind === "proposal" ? decoded.metadata.slack : undefined;
    if (!decoded.ok || decoded.metadata.kind !== "proposal" || !place) continue;
    const view = {
      repository: target.repository,
      environment,
      pullRequest: { number: proposal.number, url: proposal.url, headOid: proposal.headOid },
      metadata: decoded.metadata,
      webUrl: context.services.webUrl,
      status: { kind: "proposed", confirm } as const,
    };
    try {
      await redraw(context, place, view);
      await threadReply(context, place, why);
    } catch (error) {
      context.log.warn({ err: error, pullRequest: proposal.url }, "Slack message not updated after cancelling auto-merge");
    }
  }
  if (armed.length === 0) return "";
  const count = cancelled.length === 1 ? "1 proposal" : `${cancelled.length} proposals`;
  return ` GitHub's auto-merge was cancelled on ${count} that would have pinned when checks passed${failed > 0 ? ` (${failed} could not be cancelled: check them in GitHub)` : ""}.`;
}
