import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { ProposalEvent, ProposalEventSink } from "../proposals/events.js";

/**
 * The in-process bus proposal events travel on: the GitHub App emits, the
 * Slack app (and tests) subscribe. A failing listener is logged and never
 * stops the others or the emitter.
 */
export class EventBus implements ProposalEventSink {
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

  subscribe(listener: (event: ProposalEvent) => unknown): () => void {
    this.#emitter.on("event", listener);
    return () => this.#emitter.off("event", listener);
  }
}
