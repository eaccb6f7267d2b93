/**
 * A ProposeContext for tests that drive the write layer directly (no server):
 * a plain Octokit without retries against the fake through nock, its own blob
 * cache (one per "replica"), a recorded event list and a fixed clock.
 */
import { Octokit } from "@octokit/rest";
import { pino } from "pino";
import { parseConfig } from "../../src/config/index.js";
import { BlobCache } from "../../src/github/blob-cache.js";
import type { ProposeContext } from "../../src/github/propose-build.js";
import type { ProposalEvent } from "../../src/proposals/events.js";

export interface TestContextOptions {
  readonly name?: string;
  readonly events?: ProposalEvent[];
  readonly now?: () => number;
  /** Pauses between attempts; by default none. */
  readonly sleep?: (milliseconds: number) => Promise<void>;
}

export function testProposeContext(config: string, options: TestContextOptions = {}): ProposeContext {
  const parsed = parseConfig(config);
  if (!parsed.ok) throw new Error("invalid test config");
  const events = options.events ?? [];
  let counter = 0;
  return {
    client: new Octokit({ auth: "ghs_test", request: { retries: 0 } }),
    owner: "acme",
    repo: "manifests",
    config: parsed.config,
    webUrl: "https://github.com",
    blobs: new BlobCache(),
    events: { emit: (event) => events.push(event) },
    log: pino({ level: process.env.BENDER_TEST_LOG ?? "silent" }),
    uniqueId: () => `${options.name ?? "r"}-${++counter}`,
    now: options.now ?? (() => Date.parse("2026-11-27T12:00:00Z")),
    sleep: options.sleep ?? (() => Promise.resolve()),
  };
}
