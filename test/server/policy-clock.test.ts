import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { PolicySweepResult } from "../../src/github/policy-sweep.js";
import type { InstallationClient } from "../../src/github/manifest-repositories.js";
import type { Shown } from "../../src/policy/index.js";
import { PolicyClock } from "../../src/server/policy-clock.js";

const log = pino({ level: "silent" });
const client = {} as InstallationClient;

function result(shown: ReadonlyMap<number, Shown>): PolicySweepResult {
  return { thawed: [], automaticPins: false, approvedPins: [], redrawn: [], memory: { shown, pinsAsked: new Set() }, nextDueAt: undefined };
}

describe("PolicyClock", () => {
  it("hands each repository what its previous sweep recorded (nothing on the first), and goes on past a repository that fails", async () => {
    const given: (ReadonlyMap<number, Shown> | undefined)[] = [];
    let sweeps = 0;
    const clock = new PolicyClock({
      intervalMs: 0,
      log,
      targets: async () => [{ repository: "acme/broken", client }, { repository: "acme/manifests", client }, { repository: "acme/not-installed", client: undefined }],
      sweepRepository: async (repository, _client, previous) => {
        if (repository === "acme/broken") throw new Error("GitHub said no");
        given.push(previous?.shown);
        sweeps += 1;
        return result(new Map([[sweeps, { pinOpen: sweeps % 2 === 0, approvals: 0 }]]));
      },
    });
    const first = await clock.sweep();
    expect([...first.keys()]).toEqual(["acme/broken", "acme/manifests"]);
    expect(first.get("acme/broken")).toEqual({ error: new Error("GitHub said no") });
    await clock.sweep();
    expect(given).toEqual([undefined, new Map([[1, { pinOpen: false, approvals: 0 }]])]);
  });

  it("runs one sweep at a time (a second call joins it), and stop waits for it; nothing sweeps after", async () => {
    let release: () => void = () => undefined;
    let started = 0;
    const clock = new PolicyClock({
      intervalMs: 0,
      log,
      targets: async () => [{ repository: "acme/manifests", client }],
      sweepRepository: async () => {
        started += 1;
        await new Promise<void>((resolve) => (release = resolve));
        return result(new Map());
      },
    });
    const first = clock.sweep();
    expect(clock.sweep()).toBe(first);
    await new Promise((resolve) => setImmediate(resolve));
    let stopped = false;
    const stopping = clock.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect((await first).size).toBe(1);
    expect((await clock.sweep()).size).toBe(0);
    expect(started).toBe(1);
  });

  it("sweeps on its timer, which never keeps the process alive", async () => {
    let sweeps = 0;
    const clock = new PolicyClock({ intervalMs: 10, log, targets: async () => [], sweepRepository: async () => undefined });
    const counting = new PolicyClock({
      intervalMs: 10,
      log,
      targets: async () => {
        sweeps += 1;
        return [];
      },
      sweepRepository: async () => undefined,
    });
    counting.start();
    counting.start();
    await new Promise((resolve) => setTimeout(resolve, 60));
    await counting.stop();
    const after = sweeps;
    expect(after).toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(sweeps).toBe(after);
    // An unref'd timer is not among the resources that keep Node running.
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
    const before = timers();
    clock.start();
    expect(timers()).toBe(before);
    await clock.stop();
  });
});
