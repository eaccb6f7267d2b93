import type { CauseOptions, CodedError } from "../errors/coded-error.js";
import type { Logger } from "pino";
import type { BenderConfig } from "../config/schema.js";
import type { ManifestEngine } from "../manifests/io/manifest-engine.js";
import type { ProposalEventSink } from "../proposals/events.js";
import type { BlobCache } from "./blob-cache.js";
import type { GraphqlClient } from "./graphql-client.js";

/** The world a proposal run talks to. */
export interface ProposeContext {
  readonly client: GraphqlClient;
  readonly owner: string;
  readonly repo: string;
  readonly config: BenderConfig;
  readonly webUrl: string;
  readonly blobs: BlobCache;
  readonly events: ProposalEventSink;
  readonly log: Logger;
  /** A short unique string, for temporary branch names. */
  readonly uniqueId: () => string;
  /** Waits between attempts after a lost race (jittered by the caller); defaults to a timer. */
  readonly sleep?: ((milliseconds: number) => Promise<void>) | undefined;
  /** The clock, in epoch milliseconds (temporary branch names carry it, so a sweep can tell abandoned ones). */
  readonly now?: (() => number) | undefined;
  /** Runs the manifest engine over the files read (the server's worker pool); by default in process, yielding between files. */
  readonly engine?: ManifestEngine | undefined;
  /** Blob ID of the `.github/bender.yml` that `config` came from; a read that finds another one stops the run. */
  readonly configOid?: string | undefined;
}

/** The manifest repository's config changed since it was cached: reload it and propose again. */
export class ConfigChangedError extends Error implements CodedError {
  override readonly name = "ConfigChangedError";
  readonly code = "config-changed";
  constructor(message: string, options?: CauseOptions) {
    super(message, options);
  }
}

/** What became of a build in one environment; the build webhook answers with these. */
export interface ProposalOutcome {
  readonly repository: string;
  readonly environment: string;
  /** The image's canonical repository (`domain/path`), so outcomes of a batch of several images can be told apart. */
  readonly image?: string | undefined;
  /**
   * `finished`: a proposal an interrupted write left half-done (unlabelled, automatic pin not made) was completed;
   * `closed`: an open proposal older than what its environment runs was closed (merging it would move it backwards).
   */
  readonly action: "opened" | "superseded" | "finished" | "closed" | "none" | "skipped" | "failed";
  readonly detail: string;
  readonly pullRequest?: { readonly number: number; readonly url: string } | undefined;
  readonly pinned?: boolean | undefined;
}
