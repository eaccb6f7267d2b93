/**
 * The queue between intake and GitHub work, through Bender's real server with
 * signed builds: coalescing, order within a repository, a shutdown with work
 * waiting, and the sweep at start.
 */
import nock from "nock";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { InstallationClient } from "../../src/github/manifest-repositories.js";
import { FAST_RETRY, postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { API, expectInstallationToken } from "../support/fake-github.js";
import {
  IMAGE,
  PRODUCTION_BRANCH,
  deployment,
  expectAppInstallations,
  expectDiscovery,
  expectRepositoryInstallation,
  productionRepository,
} from "../support/manifests.js";

let bender: RunningBender | undefined;
afterEach(async () => {
  await bender?.close();
  bender = undefined;
});

const SECONDARY_LIMIT = { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." };

function build(tag: string) {
  return { image: `${IMAGE}:${tag}`, repositories: ["acme/manifests"] };
}

/** The installation lookup, answered late so that the builds sent meanwhile wait together. */
function slowInstallationLookup(delayMs: number): void {
  nock(API).get("/repos/acme/manifests/installation").delay(delayMs).reply(200, { id: 7 });
  expectInstallationToken(7);
}

describe("coalescing", () => {
  it("proposes only the newest of five waiting builds of an image (semver order, not arrival), with one read and no write for the others", async () => {
    const fake = productionRepository();
    slowInstallationLookup(300);
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const answers = [];
    for (const tag of ["1.4.3", "1.4.1", "1.4.5", "1.4.2", "1.4.4"]) answers.push(await postBuild(bender, build(tag), { settle: false }));
    expect(answers.map((answer) => [answer.status, answer.json.key])).toEqual(["1.4.3", "1.4.1", "1.4.5", "1.4.2", "1.4.4"].map((tag) => [202, `${IMAGE}:${tag}`]));
    await bender.queue.idle();

    expect(fake.openPullRequests().map((pullRequest) => pullRequest.title)).toEqual(["Pin ghcr.io/acme/api 1.4.5 to production"]);
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.5`));
    expect(bender.queue.outcomesOf(`${IMAGE}:1.4.3`)).toEqual([
      { repository: "acme/manifests", environment: "production", action: "skipped", detail: `coalesced: ${IMAGE}:1.4.5 was newer and waiting, so it was proposed instead` },
    ]);
    expect(await bender.metrics.registry.getSingleMetricAsString("bender_builds_coalesced_total")).toContain("bender_builds_coalesced_total 4");
    expect(bender.emitted.map((event) => event.type)).toEqual(["proposal.opened"]);
  });

  it("a build arriving after its image's newer build was written is planned against it and writes nothing", async () => {
    const fake = productionRepository();
    expectRepositoryInstallation("acme/manifests", 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite", "BenderReadState");
    bender = await startBender();

    await postBuild(bender, build("1.4.5"));
    const late = await postBuild(bender, build("1.4.4"));

    expect(late.proposals).toEqual([expect.objectContaining({ environment: "production", action: "none" })]);
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.5`));
  });
});

describe("the config in a turn", () => {
  it("is read once per turn and the same config plans and proposes, even with nothing cached", async () => {
    const fake = productionRepository();
    expectRepositoryInstallation("acme/manifests", 7);
    expectInstallationToken(7);
    // Exactly one config read: a second one in the same turn is a request nothing answers, and the test fails.
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();
    // No cache at all: every load of the config is a read from GitHub.
    vi.spyOn(bender.services.configs, "cached").mockReturnValue(undefined);

    const response = await postBuild(bender, build("1.4.1"));

    expect(response.proposals).toEqual([expect.objectContaining({ environment: "production", action: "opened" })]);
    expect(fake.operations().filter((operation) => operation === "BenderConfig")).toHaveLength(1);
  });
});

describe("the gather window before a turn", () => {
  async function sendEvery(intervalMs: number, tags: readonly string[]): Promise<void> {
    for (const tag of tags) {
      await postBuild(bender as RunningBender, build(tag), { settle: false });
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  it("takes the builds that keep arriving into one turn: the burst's first versions are never written", async () => {
    const fake = productionRepository();
    expectRepositoryInstallation("acme/manifests", 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender({}, { queueGather: { quietMs: 250, maxMs: 5_000 } });

    await sendEvery(50, ["1.4.1", "1.4.2", "1.4.3", "1.4.4", "1.4.5"]);
    await bender.queue.idle();

    expect(fake.operations()).toEqual(["BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite"]);
    expect(fake.openPullRequests().map((pullRequest) => pullRequest.title)).toEqual(["Pin ghcr.io/acme/api 1.4.5 to production"]);
    expect(await bender.metrics.registry.getSingleMetricAsString("bender_builds_coalesced_total")).toContain("bender_builds_coalesced_total 4");
  });

  it("waits only the quiet time for a lone build", async () => {
    const fake = productionRepository();
    expectRepositoryInstallation("acme/manifests", 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender({}, { queueGather: { quietMs: 200, maxMs: 60_000 } });

    const started = performance.now();
    const response = await postBuild(bender, build("1.4.1"));

    expect(response.proposals).toEqual([expect.objectContaining({ action: "opened" })]);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(10_000);
  });

  it("never waits more than its longest time while builds keep arriving", async () => {
    const fake = productionRepository();
    expectRepositoryInstallation("acme/manifests", 7);
    expectInstallationToken(7);
    fake.serveGraphql("BenderConfig", "BenderReadState", "BenderWrite");
    bender = await startBender({}, { queueGather: { quietMs: 200, maxMs: 300 } });

    // A build every 50 ms for about 1.5 s: never 200 ms of quiet, so only the longest wait starts a turn.
    const tags = Array.from({ length: 30 }, (_, index) => `1.4.${index + 1}`);
    let readBeforeLast = false;
    await sendEvery(50, tags.slice(0, -1));
    readBeforeLast = fake.operations().includes("BenderReadState");
    await sendEvery(0, tags.slice(-1));
    await bender.queue.idle();

    expect(readBeforeLast).toBe(true);
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.30`));
  });

  it("a stop while a line gathers takes no turn and names the builds it leaves", async () => {
    const fake = productionRepository();
    expectRepositoryInstallation("acme/manifests", 7);
    expectInstallationToken(7);
    bender = await startBender({}, { queueGather: { quietMs: 10_000, maxMs: 60_000 } });

    await sendEvery(20, ["1.4.1", "1.4.2"]);
    while (nock.pendingMocks().length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bender.queue.length).toBe(2);

    const started = performance.now();
    const left = await bender.stopWork();
    expect(performance.now() - started).toBeLessThan(2000);
    expect([...left].sort()).toEqual([`${IMAGE}:1.4.1`, `${IMAGE}:1.4.2`]);
    expect(fake.operations()).toEqual([]);
  });
});

describe("builds that name no repository", () => {
  it("share one listing of installations and one discovery, however many arrive together", async () => {
    const fake = productionRepository();
    expectAppInstallations([7]);
    expectInstallationToken(7);
    expectDiscovery(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const answers = await Promise.all(["1.4.1", "1.4.2", "1.4.3"].map((tag) => postBuild(bender as RunningBender, { image: `${IMAGE}:${tag}` }, { settle: false })));
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202]);
    await bender.queue.idle();

    expect(fake.openPullRequests().map((pullRequest) => pullRequest.title)).toEqual(["Pin ghcr.io/acme/api 1.4.3 to production"]);
  });
});

describe("shutdown", () => {
  it("stops promptly during an hour-long limit wait, names the builds it could not write, and sends nothing more", async () => {
    const fake = productionRepository();
    expectRepositoryInstallation("acme/manifests", 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig", { operation: "BenderReadState", reply: () => [403, SECONDARY_LIMIT, { "retry-after": "3600" }] });
    // A GitHub second is a real second here: the wait would last an hour.
    bender = await startBender({}, { retry: { ...FAST_RETRY, retryAfterUnitMs: 1000 } });

    await postBuild(bender, build("1.4.1"), { settle: false });
    while (fake.operations().length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await postBuild(bender, build("1.4.2"), { settle: false });
    await new Promise((resolve) => setTimeout(resolve, 50));

    // /metrics shows the backlog and the wait.
    const metrics = await (await fetch(`${bender.url}/metrics`)).text();
    expect(metrics).toContain("bender_queue_builds 2");
    expect(metrics).toContain("bender_github_limit_waits_total 1");
    expect(metrics).toContain("bender_github_limit_wait_seconds_total 3600");
    const age = Number(/^bender_queue_oldest_build_age_seconds (?<age>[\d.]+)$/m.exec(metrics)?.groups?.age);
    expect(age).toBeGreaterThan(0.03);

    const started = Date.now();
    const left = await bender.stopWork();
    expect(Date.now() - started).toBeLessThan(2000);
    expect([...left].sort()).toEqual([`${IMAGE}:1.4.1`, `${IMAGE}:1.4.2`]);
    expect(fake.operations()).toEqual(["BenderConfig", "BenderReadState"]);
    expect(fake.pullRequests).toEqual([]);
  });
});

describe("the sweep at start", () => {
  it("runs once per manifest repository, in the repository's line, before the builds waiting there", async () => {
    const fake = productionRepository();
    expectRepositoryInstallation("acme/manifests", 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    const order: string[] = [];
    const sweepRepository = async (repository: string, _client: InstallationClient) => {
      order.push(`sweep ${repository}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      order.push(`swept ${repository} with ${fake.operations().length} requests made`);
    };
    bender = await startBender({ manifestRepositories: ["acme/manifests"] }, { sweepRepository });

    await bender.sweepRepositories();
    const response = await postBuild(bender, build("1.4.1"));

    expect(order).toEqual(["sweep acme/manifests", "swept acme/manifests with 0 requests made"]);
    expect(response.proposals).toEqual([expect.objectContaining({ action: "opened" })]);
  });

  it("is the write layer's sweep by default: the config and one sweep read, nothing written when nothing is half-done", async () => {
    const fake = productionRepository();
    expectRepositoryInstallation("acme/manifests", 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig", "BenderSweep");
    bender = await startBender({ manifestRepositories: ["acme/manifests"] });
    await bender.sweepRepositories();
    await bender.queue.idle();
    expect(fake.operations()).toEqual(["BenderConfig", "BenderSweep"]);
    expect(bender.queue.length).toBe(0);
  });
});

