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
}

export interface ActivityReporter {
  build(origin: string, result: "accepted" | "ignored" | "invalid"): void;
  outcomes(outcomes: readonly ProposalOutcome[]): void;
}
