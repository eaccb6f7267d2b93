import { afterEach, describe, expect, it } from "vitest";
import { EnginePool } from "../../src/manifests/io/engine-pool.js";
import { bumpFiles, inlineEngine, restoreFiles } from "../../src/manifests/io/manifest-engine.js";
import type { ManifestEngine } from "../../src/manifests/io/manifest-engine.js";
import { postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { expectInstallationToken } from "../support/fake-github.js";
import { IMAGE, PRODUCTION_BRANCH, PRODUCTION_CONFIG, deployment, expectRepositoryInstallation, manifestRepository } from "../support/manifests.js";
import { parsed } from "../support/references.js";

const target = parsed(`${IMAGE}:1.4.1`);

/**
 * A Helm values file just inside the default parse budget (about 9,900 node
 * marks), its names long enough that the text alone is 4.6 MB: more than an
 * 8 or 16 MB worker heap holds while parsing it. A fresh worker must still
 * read a normal file after it: at 8 MB that sometimes failed on a loaded
 * machine, so the test that needs both uses 16 MB.
 */
function heavyValues(services = 450): string {
  let text = "";
  for (let index = 0; index < services; index++) {
    text += `svc${index}:\n  image:\n    repository: ${IMAGE}\n    tag: "1.4.0"\n  resources:\n    limits: {cpu: 100m, memory: 128Mi}\n  enabled: true\n  name: ${"n".repeat(10_000)}-${index}\n  replicas: 2\n`;
  }
  return text;
}

let bender: RunningBender | undefined;
let pool: EnginePool | undefined;
afterEach(async () => {
  await bender?.close();
  await pool?.stop();
  bender = undefined;
  pool = undefined;
});

describe("the server runs the manifest engine in worker threads", () => {
  it("a file that runs its worker out of memory is skipped with the reason; the worker is replaced and the other files are proposed", async () => {
    const fake = manifestRepository({
      ".github/bender.yml": PRODUCTION_CONFIG,
      "clusters/prod/api.yaml": deployment(`${IMAGE}:1.4.0`),
      "clusters/prod/big-values.yaml": heavyValues(),
      "clusters/prod/worker.yaml": deployment(`${IMAGE}:1.4.0`, "worker"),
    });
    expectRepositoryInstallation(fake.nameWithOwner, 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender({ engineWorkers: 1, engineMemoryMb: 16 });

    const response = await postBuild(bender, { image: `${IMAGE}:1.4.1`, repositories: [fake.nameWithOwner] });

    expect(response.status).toBe(202);
    expect(response.proposals).toEqual([expect.objectContaining({ environment: "production", action: "opened" })]);
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.1`));
    // worker.yaml comes after the heavy file: a new worker read it.
    expect(fake.file("clusters/prod/worker.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.1`, "worker"));
    expect(fake.file("clusters/prod/big-values.yaml", PRODUCTION_BRANCH)).toBe(heavyValues());
    const [pullRequest] = fake.openPullRequests();
    expect(pullRequest?.body).toContain("clusters/prod/big-values.yaml");
    expect(pullRequest?.body).toContain("needed more than the 16 MB of memory Bender gives one file");
  });

  it("with BENDER_ENGINE_WORKERS=0 the engine runs in process and still proposes", async () => {
    const fake = manifestRepository({ ".github/bender.yml": PRODUCTION_CONFIG, "clusters/prod/api.yaml": deployment(`${IMAGE}:1.4.0`) });
    expectRepositoryInstallation(fake.nameWithOwner, 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender({ engineWorkers: 0 });
    expect(bender.engine).toBeUndefined();

    const response = await postBuild(bender, { image: `${IMAGE}:1.4.1`, repositories: [fake.nameWithOwner] });

    expect(response.proposals).toEqual([expect.objectContaining({ environment: "production", action: "opened" })]);
    expect(fake.file("clusters/prod/api.yaml", PRODUCTION_BRANCH)).toBe(deployment(`${IMAGE}:1.4.1`));
  });

  it("the shutdown sequence stops the workers", async () => {
    bender = await startBender();
    const engine = bender.engine;
    expect(engine).toBeDefined();
    const outcome = await bender.shutdown.run(bender.server, 2_000);
    expect(outcome.cutStoppers).toEqual([]);
    await expect(bumpFiles(engine!, [{ path: "a.yaml", text: deployment(`${IMAGE}:1.4.0`) }], target)).rejects.toThrow(/shutting down/);
    bender = undefined;
  });

  it("the same repository with a normal heap proposes the heavy file too (negative control)", async () => {
    pool = new EnginePool({ size: 1, memoryMb: 256, timeoutMs: 60_000 });
    const [outcome] = await bumpFiles(pool, [{ path: "big-values.yaml", text: heavyValues() }], target);
    expect(outcome?.skipped).toEqual([]);
    expect(outcome?.changes).toHaveLength(450);
  });

  it("an unpin whose file runs its worker out of memory reports every record of it as a conflict with the reason", async () => {
    pool = new EnginePool({ size: 1, memoryMb: 8, timeoutMs: 60_000 });
    const record = { file: "big-values.yaml", line: 4, kind: "helm-tag", before: "1.3.9", after: "1.4.0", document: 0, yamlPath: "svc0.image.tag" };
    const [outcome] = await restoreFiles(pool, [{ path: "big-values.yaml", text: heavyValues() }], [record]);
    expect(outcome?.restored).toEqual([]);
    expect(outcome?.conflicts).toEqual([
      { line: 4, yamlPath: "svc0.image.tag", expected: "1.4.0", found: undefined, reason: expect.stringContaining("needed more than the 8 MB of memory") as string },
    ]);
  });

  it("a file that takes longer than the time limit is skipped with the reason", async () => {
    pool = new EnginePool({ size: 1, memoryMb: 256, timeoutMs: 20 });
    const [outcome] = await bumpFiles(pool, [{ path: "big-values.yaml", text: heavyValues() }], target);
    expect(outcome?.changes).toEqual([]);
    expect(outcome?.skipped).toEqual([
      { file: "big-values.yaml", code: "too-complex", reason: "too complex to parse safely: reading it took longer than the 20 ms Bender gives one file; split it into smaller files" },
    ]);
  });

  it("after stop, the engine refuses work", async () => {
    pool = new EnginePool({ size: 1, memoryMb: 256, timeoutMs: 60_000 });
    await pool.stop();
    await expect(bumpFiles(pool, [{ path: "a.yaml", text: deployment(`${IMAGE}:1.4.0`) }], target)).rejects.toThrow(/shutting down/);
  });
});

/** Ticks of a 1 ms interval while `engine` bumps one file at the parse budget. */
async function ticksDuring(engine: ManifestEngine): Promise<{ ticks: number; changes: number }> {
  let ticks = 0;
  const interval = setInterval(() => ticks++, 1);
  try {
    const [outcome] = await bumpFiles(engine, [{ path: "values.yaml", text: heavyValues() }], target);
    return { ticks, changes: outcome?.changes.length ?? 0 };
  } finally {
    clearInterval(interval);
  }
}

describe("the event loop while a file at the parse budget is read", () => {
  it("keeps turning: timers fire while a worker parses the file", async () => {
    pool = new EnginePool({ size: 1, memoryMb: 256, timeoutMs: 60_000 });
    const during = await ticksDuring(pool);
    expect(during.changes).toBe(450);
    expect(during.ticks).toBeGreaterThanOrEqual(2);
  });

  it("in process, the file holds the loop: at most one tick gets in, before it (negative control)", async () => {
    const during = await ticksDuring(inlineEngine);
    expect(during.changes).toBe(450);
    expect(during.ticks).toBeLessThanOrEqual(1);
  });
});
