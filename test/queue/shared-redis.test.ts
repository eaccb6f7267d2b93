/**
 * Two replicas sharing one Redis (REDIS_URL): one queue per manifest
 * repository that only one replica writes from at a time, and one GitHub
 * throttle per installation.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import nock from "nock";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { GithubPacer } from "../../src/github/github-pacer.js";
import { RedisPacerStore } from "../../src/github/redis-pacer-store.js";
import type { InstallationClient } from "../../src/github/manifest-repositories.js";
import { SharedLines } from "../../src/queue/io/shared-lines.js";
import type { SharedEntry } from "../../src/queue/io/shared-lines.js";
import { postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { API } from "../support/fake-github.js";
import { IMAGE, PRODUCTION_BRANCH, deployment, productionRepository } from "../support/manifests.js";
import { redisAvailable, startRedis } from "../support/redis-server.js";
import type { TestRedis } from "../support/redis-server.js";

const available = redisAvailable();
if (!available && process.env.CI) throw new Error("these tests need Redis: .ci/run installs and starts redis-server");

let redis: TestRedis | undefined;
const replicas: RunningBender[] = [];
const clients: Redis[] = [];
beforeEach(async () => {
  if (available) redis = await startRedis();
});
afterEach(async () => {
  for (const replica of replicas.splice(0)) await replica.close();
  for (const client of clients.splice(0)) await client.quit();
  await redis?.stop();
  redis = undefined;
});

describe.skipIf(!available)("two replicas sharing Redis", () => {
  it("write one PR per (environment, image), from one replica at a time, at the newest build", async () => {
    const fake = productionRepository();
    nock(API).persist().get("/repos/acme/manifests/installation").reply(200, { id: 7 });
    nock(API)
      .persist()
      .post("/app/installations/7/access_tokens")
      .reply(201, { token: "ghs_replica", expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    fake.serveGraphql("BenderConfig", "BenderReadState", "BenderWrite");
    const url = redis?.url ?? "";
    replicas.push(await startBender({ redisUrl: url }), await startBender({ redisUrl: url }));
    const [a, b] = replicas as [RunningBender, RunningBender];

    // Builds of one image to both replicas at once, out of order.
    const answers = await Promise.all(
      ["1.4.2", "1.4.1", "1.4.4", "1.4.3"].map((tag, index) => postBuild(index % 2 === 0 ? a : b, { image: `${IMAGE}:${tag}`, repositories: ["acme/manifests"] }, { settle: false })),
    );
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202]);
    await Promise.all([a.queue.idle(), b.queue.idle()]);

    expect(fake.openPullRequests().map((pullRequest) => pullRequest.headRefName)).toEqual([PRODUCTION_BRANCH]);
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.4`));
    const opened = [...a.emitted, ...b.emitted].filter((event) => event.type === "proposal.opened");
    expect(opened).toHaveLength(1);
    // No write was ever made twice or refused as a race: one PR creation, no temporary branch left.
    const mutations = fake.requests.filter((request) => request.operation === "BenderWrite").map((request) => JSON.stringify(request.body));
    expect(mutations.filter((body) => body.includes("createPullRequest"))).toHaveLength(1);
    expect([...fake.branches.keys()].filter((branch) => branch.startsWith("bender-tmp/"))).toEqual([]);
  });
});

describe.skipIf(!available)("one throttle per installation across replicas", () => {
  function pacers(count: number, windows = [{ limit: 2, windowMs: 400 }]): GithubPacer[] {
    return Array.from({ length: count }, () => {
      const client = new Redis(redis?.url ?? "", { maxRetriesPerRequest: null });
      clients.push(client);
      return new GithubPacer({ windows, spacingMs: 0, secondMs: 100, store: new RedisPacerStore(client) });
    });
  }

  it("a Retry-After given to one replica holds back the other's requests, reads included", async () => {
    const [first, second] = pacers(2) as [GithubPacer, GithubPacer];
    // The hold runs from the moment the limit is recorded, so the clock starts before that call: started after it,
    // a busy machine's slow Redis round trip came off the measured wait.
    const started = Date.now();
    await first.limited("installation 7", { "retry-after": "3" });
    const sentAt = await second.run("installation 7", false, async () => Date.now());
    expect(sentAt - started).toBeGreaterThanOrEqual(300 - 10);
    // Another installation is not held back (negative control).
    const otherStarted = Date.now();
    expect((await second.run("installation 8", false, async () => Date.now())) - otherStarted).toBeLessThan(250);
  });

  it("counts the writes of every replica against one window", async () => {
    const [first, second] = pacers(2) as [GithubPacer, GithubPacer];
    const started = Date.now();
    const times = await Promise.all([first, second, first, second].map((pacer) => pacer.run("installation 7", true, async () => Date.now() - started)));
    const sorted = [...times].sort((x, y) => x - y);
    // Two writes in any 400 ms: the third and fourth wait for the window.
    expect(sorted[1]).toBeLessThan(300);
    expect(sorted[2]).toBeGreaterThanOrEqual(400 - 10);
  });
});

describe.skipIf(!available)("gathering in a shared line", () => {
  it("takes the builds that keep arriving into the turn, until the line is quiet", async () => {
    const connection = new Redis(redis?.url ?? "", { maxRetriesPerRequest: null });
    clients.push(connection);
    const turns: string[][] = [];
    const lines = new SharedLines({
      connection,
      prefix: "bender",
      log: pino({ level: "silent" }),
      clientFor: async () => ({}) as InstallationClient,
      gather: { quietMs: 400, maxMs: 10_000 },
      turn: async (_repository: string, _client: InstallationClient, batch: SharedEntry[]) => {
        turns.push(batch.map((entry) => entry.key).sort());
        return { keep: [], retryInMs: 0 };
      },
    });
    try {
      // A build every 100 ms for about a second: longer than the quiet time counted from any but the newest.
      const keys: string[] = [];
      for (let index = 1; index <= 10; index++) {
        const key = `ghcr.io/acme/api:1.0.${index}`;
        keys.push(key);
        const build = { image: { repository: "ghcr.io/acme/api", tag: `1.0.${index}` }, origin: "api" } as unknown as SharedEntry["build"];
        await lines.add("acme/manifests", { key, build, arrival: index, receivedAt: Date.now() });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const deadline = Date.now() + 5000;
      while (turns.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(turns).toEqual([keys.sort()]);
    } finally {
      await lines.close();
    }
  });
});

describe.skipIf(!available)("a replica stopped while its turn gathers", () => {
  it("stops promptly and leaves the build in the line, where another replica takes it", async () => {
    const url = redis?.url ?? "";
    const turns: string[][] = [];
    function replica(gather: { quietMs: number; maxMs: number }): SharedLines {
      const connection = new Redis(url, { maxRetriesPerRequest: null });
      clients.push(connection);
      return new SharedLines({
        connection,
        prefix: "bender",
        log: pino({ level: "silent" }),
        clientFor: async () => ({}) as InstallationClient,
        gather,
        turn: async (_repository: string, _client: InstallationClient, batch: SharedEntry[]) => {
          turns.push(batch.map((entry) => entry.key));
          return { keep: [], retryInMs: 0 };
        },
      });
    }
    const a = replica({ quietMs: 30_000, maxMs: 60_000 });
    const build = { image: { repository: "ghcr.io/acme/api", tag: "1.0.1" }, origin: "api" } as unknown as SharedEntry["build"];
    await a.add("acme/manifests", { key: "ghcr.io/acme/api:1.0.1", build, arrival: 1, receivedAt: Date.now() });
    // The job is taken (active) and gathering.
    const queue = new Queue(SharedLines.queueName("acme/manifests"), { connection: clients[0] as Redis, prefix: "bender" });
    while ((await queue.getActiveCount()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));

    const started = Date.now();
    await a.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(turns).toEqual([]);

    const b = replica({ quietMs: 0, maxMs: 0 });
    try {
      await b.resume();
      const deadline = Date.now() + 5000;
      while (turns.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(turns).toEqual([["ghcr.io/acme/api:1.0.1"]]);
    } finally {
      await b.close();
      await queue.close();
    }
  });
});

describe.skipIf(!available)("a replica killed in a turn", () => {
  const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

  it("gives back every build the turn took: the next turn, on another replica, has them all", async () => {
    const built = path.join(ROOT, "dist", "queue", "io", "shared-lines.js");
    if (!existsSync(built)) throw new Error("dist/ is missing: run `npm run build` (npm test does it in pretest)");
    const url = redis?.url ?? "";
    // Replica A (its own process, the built code) queues three builds of one image, takes them in one turn, and is killed in it.
    const child = spawn(process.execPath, [path.join(ROOT, "test", "queue", "fixtures", "dying-replica.mjs"), built, url, "acme/manifests"], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      const [line] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((next) => [next.value as string]);
      expect(JSON.parse(line ?? "{}")).toEqual({ turn: ["ghcr.io/acme/api:1.0.1", "ghcr.io/acme/api:1.0.2", "ghcr.io/acme/api:1.0.3"], sweep: false });
    } finally {
      child.kill("SIGKILL");
      await exited;
    }

    // Replica B starts after: it takes up the line left in Redis, finds the turn cut off once A's lock expires, and runs it again.
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    clients.push(connection);
    const turns: { keys: string[]; sweep: boolean }[] = [];
    const lines = new SharedLines({
      connection,
      prefix: "bender",
      log: pino({ level: "silent" }),
      clientFor: async () => ({}) as InstallationClient,
      gather: { quietMs: 0, maxMs: 0 },
      stalled: { lockMs: 1000, checkMs: 250 },
      turn: async (_repository: string, _client: InstallationClient, batch: SharedEntry[], sweep: boolean) => {
        turns.push({ keys: batch.map((entry) => entry.key).sort(), sweep });
        return { keep: [], retryInMs: 0 };
      },
    });
    try {
      expect(await lines.resume()).toEqual(["acme/manifests"]);
      const deadline = Date.now() + 10_000;
      while (turns.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(turns).toEqual([{ keys: ["ghcr.io/acme/api:1.0.1", "ghcr.io/acme/api:1.0.2", "ghcr.io/acme/api:1.0.3"], sweep: false }]);
      // Nothing is left in the line, and nothing failed.
      expect(await lines.counts()).toEqual({ waiting: 0, oldestReceivedAt: undefined });
    } finally {
      await lines.close();
    }
  }, 20_000);
});
