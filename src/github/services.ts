import type { ProposalEventSink } from "../proposals/events.js";
import type { ManifestEngine } from "../manifests/io/manifest-engine.js";
import type { BuildQueue } from "../queue/io/build-queue.js";
import type { BlobCache } from "./blob-cache.js";
import type { ConfigStore } from "./config-store.js";
import type { InstallationClients } from "./installation-clients.js";
import type { ManifestRepositories } from "./manifest-repositories.js";
import type { ProposalOutcome } from "./propose-context.js";

/**
 * What the use cases share, built once by the composition root
 * (src/server/http-server.ts) and handed to Probot's handlers, the build
 * webhook and Slack.
 */
export interface BenderServices {
  readonly webUrl: string;
  readonly installations: InstallationClients;
  readonly configs: ConfigStore;
  readonly repositories: ManifestRepositories;
  readonly blobs: BlobCache;
  readonly events: ProposalEventSink;
  readonly uniqueId: () => string;
  /** Where accepted builds wait for their repository's turn. */
  readonly queue: BuildQueue;
  /** Runs the manifest engine off the event loop (a worker pool); undefined: in process, yielding between files. */
  readonly engine?: ManifestEngine | undefined;
  /** Counts builds and outcomes (the server's metrics). */
  readonly activity?: ActivityReporter;
  /**
   * What is wrong with the App's credentials when GitHub refused them at the last check (src/server/github-health.ts),
   * else undefined: a build is then refused at once, with the reason, instead of queued for work that cannot succeed.
   */
  readonly credentialsRefused?: () => string | undefined;
  /** The clock proposals and the release policy read, in epoch milliseconds (tests pass a fixed one); undefined: Date.now. */
  readonly now?: (() => number) | undefined;
}

export interface ActivityReporter {
  build(origin: string, result: "accepted" | "ignored" | "invalid" | "github-refused"): void;
  outcomes(outcomes: readonly ProposalOutcome[]): void;
}
