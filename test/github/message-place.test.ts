/**
 * The Slack message's place is recorded without a GitHub write of its own:
 * the message is drawn as soon as the PR exists (between the write's two
 * documents), and its place goes into the PR with the second document.
 */
import { describe, expect, it } from "vitest";
import { proposeBuild } from "../../src/github/propose-build.js";
import type { ProposeContext } from "../../src/github/propose-build.js";
import type { MessagePlace, ProposalEvent } from "../../src/proposals/events.js";
import { decodeProposalMetadata } from "../../src/proposals/metadata.js";
import { IMAGE, buildOf, mutationsOf, productionRepository, writeDocuments } from "../support/manifests.js";
import { testProposeContext } from "../support/propose-context.js";

const AUTO_PIN = `environments:
  production:
    paths: [clusters/prod]
    autoPin: true
`;
const PLACE: MessagePlace = { channel: "C0DEPLOYS1", ts: "1748966400.000001" };

function announcing(config: string, announce: (event: Extract<ProposalEvent, { type: "proposal.opened" }>) => Promise<MessagePlace | undefined>): { context: ProposeContext; events: ProposalEvent[]; asked: ProposalEvent[] } {
  const events: ProposalEvent[] = [];
  const asked: ProposalEvent[] = [];
  const context = testProposeContext(config, { events });
  return {
    context: {
      ...context,
      events: {
        emit: (event) => events.push(event),
        announce: (event) => {
          asked.push(event);
          return announce(event);
        },
      },
    },
    events,
    asked,
  };
}

describe("a new proposal's Slack message place", () => {
  it("goes into the PR with the document that labels and pins it: two writes, as without Slack", async () => {
    const fake = productionRepository("1.4.0", AUTO_PIN);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    const { context, events, asked } = announcing(AUTO_PIN, () => Promise.resolve(PLACE));

    await proposeBuild(buildOf(`${IMAGE}:1.4.1`), context);

    const [pullRequest] = fake.pullRequests;
    // Announced once the PR existed: its number and head are in the message.
    expect(asked).toEqual([expect.objectContaining({ type: "proposal.opened", pullRequest: expect.objectContaining({ number: pullRequest?.number, headOid: expect.stringMatching(/^[0-9a-f]{40}$/) }) })]);
    const metadata = decodeProposalMetadata(pullRequest?.body);
    expect(metadata.ok && metadata.metadata.slack).toEqual(PLACE);
    // The place is written before the merge, in the same document.
    expect(mutationsOf(writeDocuments(fake)[1]!)).toEqual(["addLabelsToLabelable", "updatePullRequest", "mergePullRequest"]);
    expect(events.map((event) => [event.type, event.metadata.slack])).toEqual([
      ["proposal.opened", PLACE],
      ["proposal.pinned", PLACE],
    ]);
  });

  it("is left out when the announcement fails, and the write goes on (negative control)", async () => {
    const fake = productionRepository("1.4.0", AUTO_PIN);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    const { context, events } = announcing(AUTO_PIN, () => Promise.reject(new Error("Slack unreachable")));

    const outcomes = await proposeBuild(buildOf(`${IMAGE}:1.4.1`), context);

    expect(outcomes).toEqual([expect.objectContaining({ action: "opened", pinned: true })]);
    expect(mutationsOf(writeDocuments(fake)[1]!)).toEqual(["addLabelsToLabelable", "mergePullRequest"]);
    const metadata = decodeProposalMetadata(fake.pullRequests[0]?.body);
    expect(metadata.ok && metadata.metadata.slack).toBeUndefined();
    expect(events.map((event) => event.type)).toEqual(["proposal.opened", "proposal.pinned"]);
  });
});
