import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { MessagePlace, ProposalAnnouncer, ProposalEvent, ProposalEventSink, ProposalEventSource } from "../proposals/events.js";

type Announcer = ProposalAnnouncer;

/**
 * The in-process bus proposal events travel on: the GitHub App emits, the
 * Slack app (and tests) subscribe. A failing listener is logged and never
 * stops the others or the emitter.
 */
export class EventBus implements ProposalEventSink, ProposalEventSource {
  readonly #emitter = new EventEmitter();

  constructor(private readonly log?: Logger) {}

  emit(event: ProposalEvent): void {
    this.log?.info({ event: event.type, repository: event.repository, environment: event.environment, pullRequest: event.pullRequest.url }, "proposal event");
    for (const listener of this.#emitter.listeners("event")) {
      try {
        const result = (listener as (event: ProposalEvent) => unknown)(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.log?.error({ err: error, event: event.type }, "event listener failed"));
      } catch (error) {
        this.log?.error({ err: error, event: event.type }, "event listener failed");
      }
    }
  }

  #announcer: Announcer | undefined;

  /** Asks the announcer (the Slack app, when there is one) to draw a new proposal's message; never throws. */
  async announce(event: Extract<ProposalEvent, { type: "proposal.opened" }>): Promise<MessagePlace | undefined> {
    try {
      return await this.#announcer?.(event);
    } catch (error) {
      this.log?.warn({ err: error, pullRequest: event.pullRequest.url }, "proposal message not announced");
      return undefined;
    }
  }

  /** Sets the one announcer; returns a function that removes it. */
  setAnnouncer(announcer: Announcer): () => void {
    this.#announcer = announcer;
    return () => {
      if (this.#announcer === announcer) this.#announcer = undefined;
    };
  }

  subscribe(listener: (event: ProposalEvent) => unknown): () => void {
    this.#emitter.on("event", listener);
    return () => this.#emitter.off("event", listener);
  }
}
