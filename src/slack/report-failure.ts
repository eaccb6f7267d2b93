import { decodeButtonValue } from "./blocks/index.js";
import { failureReply } from "./failure-reply.js";
import type { MessageLocation, SlackContext } from "./slack-context.js";

/** Who to tell when an interaction fails after its ack, and the ways to reach them. */
export interface Person {
  readonly user: string;
  /** The message the interaction came from; its channel takes an ephemeral reply. */
  readonly location?: MessageLocation | undefined;
  /** Bolt's `respond` (the interaction's response_url): reaches the person even when Slack refuses the bot token. */
  readonly respond?: ((text: string) => Promise<unknown>) | undefined;
  /** The button's value, to name the pull request in the reply. */
  readonly value?: unknown;
}

/**
 * Runs the work of a click, dialog or command after its ack; any failure is
 * logged once with its cause and told to the person (ephemeral): first
 * through the response_url, which needs no token, then with chat.postEphemeral.
 */
export async function answered(context: SlackContext, action: string, person: Person, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const decoded = decodeButtonValue(person.value);
    const pullRequestUrl = decoded.ok ? `${context.services.webUrl}/${decoded.value.repository}/pull/${decoded.value.number}` : undefined;
    const text = failureReply(error, { pullRequestUrl });
    context.log.error({ err: error, action, user: person.user }, "Slack interaction failed; telling the person");
    await tellPerson(context, person, text);
  }
}

async function tellPerson(context: SlackContext, person: Person, text: string): Promise<void> {
  const ways: (() => Promise<unknown>)[] = [];
  if (person.respond) ways.push(() => person.respond!(text));
  const location = person.location;
  if (location) ways.push(() => context.slack.chat.postEphemeral({ channel: location.channel, user: person.user, text }));
  let last: unknown = new Error("no way to reach the person");
  for (const way of ways) {
    try {
      await way();
      return;
    } catch (error) {
      last = error;
    }
  }
  context.log.warn({ err: last, user: person.user }, "the person could not be told that their Slack interaction failed");
}
