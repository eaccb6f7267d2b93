/** What a write tells the rest of Bender: proposal events, and the announcement that draws a new PR's Slack message. */
import type { MessagePlace } from "../proposals/events.js";
import { withMetadata } from "../proposals/metadata.js";
import type { ProposalMetadata } from "../proposals/metadata.js";
import type { ProposeContext } from "./propose-context.js";
import type { WritePlan, Written } from "./write-proposals.js";

/**
 * How long a write waits for a new proposal's Slack message before its next
 * document goes out without the place (the Slack app then records it itself,
 * with one more GitHub write).
 */
export const ANNOUNCE_WAIT_MS = 3000;

/** Asks the event sink to draw each new PR's message, waiting at most ANNOUNCE_WAIT_MS in all. */
export async function announce(context: ProposeContext, opened: readonly Written[]): Promise<Map<number, MessagePlace>> {
  const places = new Map<number, MessagePlace>();
  const sink = context.events;
  if (!sink.announce || opened.length === 0) return places;
  const asked = Promise.all(
    opened.map(async ({ index, write, pullRequest, headOid }) => {
      if (write.plan.action !== "open") return;
      const event = { type: "proposal.opened" as const, repository: `${context.owner}/${context.repo}`, environment: write.environment.read.name, pullRequest: { ...pullRequest, headOid }, metadata: write.plan.metadata, autoPin: write.plan.autoPin, heldBecause: write.plan.heldBecause, pinClosed: write.plan.pinClosed, body: write.plan.body };
      const place = await sink.announce?.(event).catch(() => undefined);
      if (place) places.set(index, place);
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, ANNOUNCE_WAIT_MS)));
  await Promise.race([asked, waited]);
  clearTimeout(timer);
  // Places that arrive after the wait are not used: the document is already on its way.
  return new Map(places);
}

export function emitProposalEvents(context: ProposeContext, write: WritePlan, pullRequest: { id: string; number: number; url: string; headOid: string }, pinned: boolean, place?: MessagePlace): void {
  const metadata = place ? { ...write.plan.metadata, slack: place } : write.plan.metadata;
  const base = { repository: `${context.owner}/${context.repo}`, environment: write.environment.read.name, pullRequest, metadata };
  if (write.plan.action === "open") {
    const body = place ? withMetadata(write.plan.body, metadata) : write.plan.body;
    context.events.emit({ ...base, type: "proposal.opened", autoPin: write.plan.autoPin, heldBecause: write.plan.heldBecause, pinClosed: write.plan.pinClosed, body });
  } else if (write.plan.action === "supersede") {
    const previous: ProposalMetadata | undefined = write.environment.snapshot.openProposal?.metadata;
    context.events.emit({ ...base, type: "proposal.superseded", previous, autoPin: write.plan.autoPin, pinClosed: write.plan.pinClosed, body: write.plan.body });
  }
  if (pinned) context.events.emit({ ...base, type: "proposal.pinned", by: "bender", via: "automatic" });
}
