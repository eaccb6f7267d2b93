import nock from "nock";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderFreezes } from "../../src/policy/index.js";
import { CLAIMED_THIS_INTERVAL } from "../../src/server/policy-clock.js";
import { startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { API } from "../support/fake-github.js";
import { IMAGE, openExistingProposal, productionRepository } from "../support/manifests.js";
import { redisAvailable, startRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";
import { NOW, OWEN, slackConfig, waitUntil, withBenderLabels } from "../support/slack.js";

const available = redisAvailable();
if (!available && process.env.CI) throw new Error("these tests need Redis: .ci/run installs and starts redis-server");

let redis: TestRedis | undefined;
const replicas: RunningBender[] = [];
beforeEach(async () => {
  if (available) redis = await startRedis();
});
afterEach(async () => {
  for (const replica of replicas.splice(0)) await replica.close();
  await redis?.stop();
  redis = undefined;
});

describe.skipIf(!available)("the policy sweep with Redis", () => {
  it("one replica sweeps a repository per interval: one read, one thaw commit, one merge", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`, "    autoPin: true\n")));
    const until = new Date(NOW.getTime() + 3_600_000);
    fake.push("main", { ".bender/freezes.yml": renderFreezes([{ environment: "production", by: "alice", reason: "load test", since: "2025-06-03T15:00:00Z", until: until.toISOString() }]) });
    const waiting = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
    nock(API).persist().get("/repos/acme/manifests/installation").reply(200, { id: 7 });
    nock(API)
      .persist()
      .post("/app/installations/7/access_tokens")
      .reply(201, { token: "ghs_replica", expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    fake.serveAllGraphql();
    const url = redis?.url ?? "";
    for (let index = 0; index < 2; index++) replicas.push(await startBender({ redisUrl: url, manifestRepositories: ["acme/manifests"] }, { now: () => until }));
    const [a, b] = replicas as [RunningBender, RunningBender];

    const reports = await Promise.all([a.policyClock.sweep(), b.policyClock.sweep()]);
    expect(reports.map((report) => report.get("acme/manifests")).filter((result) => result === CLAIMED_THIS_INTERVAL)).toHaveLength(1);
    await waitUntil(() => waiting.state === "MERGED", "the waiting proposal pinned");
    await Promise.all([a.queue.idle(), b.queue.idle()]);
    expect(fake.operations().filter((operation) => operation === "BenderPolicySweep")).toHaveLength(1);
    expect(parse(fake.file(".bender/freezes.yml") ?? "")).toEqual({ freezes: [] });
    const thaws = [...fake.commits.values()].filter((commit) => commit.message.startsWith("Thaw"));
    expect(thaws).toHaveLength(1);

    // Within the interval the repository stays claimed, whichever replica asks.
    for (const replica of [a, b]) expect((await replica.policyClock.sweep()).get("acme/manifests")).toBe(CLAIMED_THIS_INTERVAL);
    expect(fake.operations().filter((operation) => operation === "BenderPolicySweep")).toHaveLength(1);
  });
});
