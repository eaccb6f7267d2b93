import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { examples, fixture } from "../builds/payloads.js";
import { deliver, postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { expectInstallationToken } from "../support/fake-github.js";
import {
  EXAMPLE_INSTALLATION,
  IMAGE,
  INSTALLATION,
  PRODUCTION_CONFIG,
  deployment,
  expectDiscovery,
  expectRepositoryInstallation,
  productionRepository,
  pushPayload,
  repointed,
  watchUnmatched,
} from "../support/manifests.js";

const CONFIG_FILE = ".github/bender.yml";

/** Four problems, on four lines: a path that is not a list, a bad boolean, a bad name, a bad merge method. */
const INVALID = `environments:
  production:
    paths: clusters/prod
    autoPin: yes-please
  Bad_Name:
    paths: [clusters/other]
mergeMethod: fast
`;

const WITH_STAGING = `environments:
  production:
    paths: [clusters/prod]
  staging:
    paths: [clusters/staging]
`;

let bender: RunningBender | undefined;
let unmatched: ReturnType<typeof watchUnmatched> | undefined;
afterEach(async () => {
  unmatched?.stop();
  unmatched = undefined;
  await bender?.close();
  bender = undefined;
});

describe("a push touching .github/bender.yml gets a bender/config check run on the pushed commit", () => {
  it("success for a valid config", async () => {
    const fake = productionRepository();
    const sha = fake.push("main", { [CONFIG_FILE]: WITH_STAGING }, "add staging");
    expectInstallationToken(EXAMPLE_INSTALLATION);
    fake.expectGraphql("BenderConfigAt");
    fake.expectCheckRun();
    bender = await startBender();

    const response = await deliver(bender, "push", pushPayload(fake, { branch: "main", after: sha, modified: [CONFIG_FILE] }));

    expect(response.status).toBe(200);
    expect(fake.checkRuns).toEqual([
      {
        name: "bender/config",
        head_sha: sha,
        status: "completed",
        conclusion: "success",
        output: { title: ".github/bender.yml is valid", summary: "Bender reads 2 environment(s) from .github/bender.yml." },
      },
    ]);
  });

  it("failure listing every problem as file:line path message, for a config pushed to a branch", async () => {
    const fake = productionRepository();
    fake.branches.set("tidy-config", fake.head());
    const sha = fake.push("tidy-config", { [CONFIG_FILE]: INVALID }, "tidy config");
    expectInstallationToken(EXAMPLE_INSTALLATION);
    fake.expectGraphql("BenderConfigAt");
    fake.expectCheckRun();
    bender = await startBender();

    await deliver(bender, "push", pushPayload(fake, { branch: "tidy-config", after: sha, modified: [CONFIG_FILE] }));

    const [run, ...others] = fake.checkRuns;
    expect(others).toEqual([]);
    expect(run).toMatchObject({ name: "bender/config", head_sha: sha, conclusion: "failure", output: { title: "4 problems in .github/bender.yml" } });
    expect(run?.output.summary).toBe("Fix these before merging: Bender would keep its last valid config.");
    const lines = run?.output.text?.split("\n") ?? [];
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^- `\.github\/bender\.yml:3` `environments\.production\.paths` — /);
    expect(lines[1]).toMatch(/^- `\.github\/bender\.yml:4` `environments\.production\.autoPin` — .*\(`yes-please`\)$/);
    expect(lines[2]).toMatch(/^- `\.github\/bender\.yml:5` `environments\.Bad_Name` — /);
    expect(lines[3]).toBe('- `.github/bender.yml:7` `mergeMethod` — must be "merge", "squash" or "rebase", not "fast" (`fast`)');
    // Every problem the parser finds is listed, none dropped.
    const parsed = parseConfig(INVALID);
    expect(parsed.ok ? [] : parsed.problems.map((problem) => `${problem.line}`)).toEqual(["3", "4", "5", "7"]);
  });

  it("on the default branch, an invalid config does not replace the last valid one: a later build proposes with it", async () => {
    const fake = productionRepository();
    expectInstallationToken(EXAMPLE_INSTALLATION);
    fake.expectGraphql("BenderConfigAt", "BenderConfigAt");
    fake.expectCheckRun();
    fake.expectCheckRun();
    bender = await startBender();

    const valid = fake.push("main", { [CONFIG_FILE]: WITH_STAGING }, "add staging");
    await deliver(bender, "push", pushPayload(fake, { branch: "main", after: valid, modified: [CONFIG_FILE] }));
    const invalid = fake.push("main", { [CONFIG_FILE]: INVALID }, "break the config");
    await deliver(bender, "push", pushPayload(fake, { branch: "main", after: invalid, modified: [CONFIG_FILE] }));

    expect(fake.checkRuns.map((run) => [run.head_sha, run.conclusion])).toEqual([
      [valid, "success"],
      [invalid, "failure"],
    ]);
    expect(fake.checkRuns[1]?.output.summary).toBe(
      "Bender keeps using the last valid .github/bender.yml (or does nothing here if there never was one) until this is fixed.",
    );

    // A build: discovery reads the (invalid) file again, and Bender keeps the config with staging.
    expectInstallationToken(INSTALLATION);
    expectDiscovery(fake);
    fake.expectGraphql("BenderReadState", "BenderWrite", "BenderWrite");
    expect((await deliver(bender, "registry_package", fixture("registry_package.published.container"))).status).toBe(200);

    expect(fake.openPullRequests().map((pullRequest) => pullRequest.headRefName).sort()).toEqual([
      "bender/production/ghcr.io-acme-api",
      "bender/staging/ghcr.io-acme-api",
    ]);
    expect(fake.file("clusters/staging/api.yaml", "bender/staging/ghcr.io-acme-api")).toBe(deployment(`${IMAGE}:1.4.1`));
  });

  it("a push that does not touch the file makes no request (the real push example, re-pointed)", async () => {
    const fake = productionRepository();
    const example = examples("push").find((payload) => payload.ref === "refs/heads/master" && payload.installation !== undefined);
    bender = await startBender();
    unmatched = watchUnmatched();

    const response = await deliver(bender, "push", repointed(example!, fake));

    expect(response.status).toBe(200);
    expect((example!.commits as { added: string[] }[])[0]?.added).toEqual(["README.md"]);
    expect(unmatched.requests).toEqual([]);
    expect(fake.requests).toEqual([]);
  });

  it("a push that removes the file reports no check run", async () => {
    const fake = productionRepository();
    const sha = fake.push("main", { [CONFIG_FILE]: null }, "stop using Bender");
    expectInstallationToken(EXAMPLE_INSTALLATION);
    fake.expectGraphql("BenderConfigAt");
    bender = await startBender();
    unmatched = watchUnmatched();

    expect((await deliver(bender, "push", pushPayload(fake, { branch: "main", after: sha, removed: [CONFIG_FILE] }))).status).toBe(200);

    expect(fake.checkRuns).toEqual([]);
    expect(unmatched.requests).toEqual([]);
  });
});

describe("a repository that never had a valid config", () => {
  it("does nothing for a build sent to it", async () => {
    const fake = productionRepository("1.4.0", INVALID);
    expectRepositoryInstallation(fake.nameWithOwner, 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig");
    bender = await startBender();

    const response = await postBuild(bender, { image: `${IMAGE}:1.4.1`, repositories: [fake.nameWithOwner] });

    expect(response.status).toBe(202);
    expect(response.proposals).toEqual([
      {
        repository: "acme/manifests",
        environment: "",
        action: "skipped",
        detail: ".github/bender.yml of acme/manifests is invalid and there is no earlier valid one; see its bender/config check",
      },
    ]);
    expect(fake.operations()).toEqual(["BenderConfig"]);
    expect(fake.branches.size).toBe(1);
  });

  it("does nothing for a package event either: discovered, but never read", async () => {
    const fake = productionRepository("1.4.0", INVALID);
    expectInstallationToken(INSTALLATION);
    expectDiscovery(fake);
    bender = await startBender();

    expect((await deliver(bender, "registry_package", fixture("registry_package.published.container"))).status).toBe(200);

    expect(fake.operations()).toEqual(["BenderDiscover"]);
    expect(fake.pullRequests).toEqual([]);
    expect(bender.emitted).toEqual([]);
  });

  it("proposes once the config is fixed (negative control for the two above)", async () => {
    const fake = productionRepository("1.4.0", PRODUCTION_CONFIG);
    expectRepositoryInstallation(fake.nameWithOwner, 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderConfig", "BenderReadState", "BenderWrite", "BenderWrite");
    bender = await startBender();

    const response = await postBuild(bender, { image: `${IMAGE}:1.4.1`, repositories: [fake.nameWithOwner] });

    expect(response.proposals).toEqual([expect.objectContaining({ action: "opened", environment: "production" })]);
  });
});
