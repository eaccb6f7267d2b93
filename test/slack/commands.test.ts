import { describe, expect, it } from "vitest";
import { encodeMetadata } from "../../src/proposals/metadata.js";
import { renderHolds } from "../../src/proposals/holds.js";
import { COMMAND_HELP } from "../../src/slack/commands.js";
import type { RunningBender } from "../support/bender-server.js";
import { expectInstallationToken } from "../support/fake-github.js";
import type { FakeRepository } from "../support/fake-github.js";
import { IMAGE, PRODUCTION_BRANCH, expectRepositoryInstallation, openExistingProposal, productionRepository } from "../support/manifests.js";
import {
  OWEN,
  PRIYA,
  expectFirstAccess,
  expectResponseUrl,
  sendToSlackEndpoint,
  slackConfig,
  slashCommand,
  waitUntil,
  slackBenderPerTest,
  withBenderLabels,
} from "../support/slack.js";

let bender: RunningBender | undefined;
const harness = slackBenderPerTest();

let commands = 0;

/** Sends `/bender <text>` and returns what Bender answered through the response_url. */
async function command(text: string): Promise<Record<string, unknown>> {
  const responseUrl = `https://hooks.slack.com/commands/T0ACME0001/${++commands}/answer`;
  const answer = expectResponseUrl(responseUrl);
  const response = await sendToSlackEndpoint(bender!, slashCommand({ user: OWEN, text, responseUrl }));
  expect(response.status).toBe(200);
  await waitUntil(() => answer.bodies.length === 1, `the answer to /bender ${text}`);
  return answer.bodies[0]!;
}

async function start(): Promise<void> {
  harness.watch();
  bender = await harness.start({ manifestRepositories: ["acme/manifests"] });
}

/**
 * A repository with history: 1.4.1 pinned from Slack by Owen, then unpinned
 * by Priya back to 1.4.0 (held), and 1.4.2 proposed.
 */
function repositoryWithHistory(): FakeRepository {
  const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`)));
  const pinned = openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.1` });
  fake.merge(pinned, { body: `Pinned-by: <@${OWEN}> (Slack)` });
  const unpin = fake.openPullRequest(
    "bender-unpin/production/ghcr.io-acme-api-0a1b2c3d",
    {
      "clusters/prod/api.yaml": fake.file("clusters/prod/api.yaml")!.replace("1.4.1", "1.4.0"),
      ".bender/holds.yml": renderHolds([{ environment: "production", repository: IMAGE, version: "1.4.0", by: `<@${PRIYA}>`, at: "2025-06-03T15:30:00Z" }]),
    },
    "Unpin ghcr.io/acme/api in production: back to 1.4.0",
    `Unpins #${pinned.number}.\n\n${encodeMetadata({
      bender: 1,
      kind: "unpin",
      environment: "production",
      repository: IMAGE,
      reference: `${IMAGE}:1.4.1`,
      version: "1.4.0",
      baseBranch: "main",
      unpins: pinned.number,
      changes: [
        {
          file: "clusters/prod/api.yaml",
          line: 10,
          kind: "container",
          before: `${IMAGE}:1.4.1`,
          after: `${IMAGE}:1.4.0`,
          document: 0,
          yamlPath: "spec.template.spec.containers[0].image",
        },
      ],
    })}\n`,
  );
  unpin.labels.push("bender", "bender/production");
  fake.merge(unpin, { body: `Unpinned-by: <@${PRIYA}> (Slack)` });
  fake.branches.delete(PRODUCTION_BRANCH);
  openExistingProposal(fake, { environment: "production", reference: `${IMAGE}:1.4.2` });
  return fake;
}

describe("/bender", () => {
  it("help is answered ephemerally through the response_url, without asking GitHub", async () => {
    await start();
    expect(await command("help")).toEqual({ response_type: "ephemeral", text: COMMAND_HELP });
    expect(COMMAND_HELP).toContain("/bender status [environment]");
    expect(COMMAND_HELP).toContain("/bender history <image> [environment]");
    expect(COMMAND_HELP).toContain("/bender freeze <environment> [for <duration> | until <time>] <reason>");
    expect(COMMAND_HELP).toContain("/bender thaw <environment>");
  });

  it("an unknown verb gets the help, ephemerally", async () => {
    await start();
    const answer = await command("deploy &lt;everything&gt;");
    expect(answer.response_type).toBe("ephemeral");
    expect(answer.text).toBe(`Unknown command \`deploy\`.\n${COMMAND_HELP}`);
  });

  it("status: per environment, what the manifests run now, the last pin or unpin and who made it, the hold, and open proposals", async () => {
    const fake = repositoryWithHistory();
    const [open] = fake.openPullRequests();
    expectFirstAccess(fake);
    fake.expectGraphql("BenderStatus", "BenderRunning");
    await start();

    const answer = await command("status");

    expect(answer.response_type).toBe("ephemeral");
    const lines = String(answer.text).split("\n");
    expect(lines[0]).toBe("*production* (acme/manifests)");
    // Read from the manifest on main; the latest merged Bender PR for the image is the unpin, which holds it there.
    expect(lines).toContainEqual(
      expect.stringMatching(/^• ghcr\.io\/acme\/api: runs 1\.4\.0 \(last unpinned <https:\/\/github\.com\/acme\/manifests\/pull\/2\|#2> by <@U0PRIYA001>\), held at 1\.4\.0 by &lt;@U0PRIYA001&gt;$/),
    );
    expect(lines).toContain(`• open: <${open?.url}|Pin ghcr.io/acme/api 1.4.2 to production>`);
  });

  it("status: per environment and cluster, the commit the sync job runs, and a later failure", async () => {
    const fake = repositoryWithHistory();
    fake.deployments.push(
      { environment: "production/prod-us-1", commitOid: "c".repeat(40), latestStatus: { state: "FAILURE", description: "Deployment shop/api: <denied>" } },
      { environment: "production/prod-eu-1", commitOid: "b".repeat(40), latestStatus: { state: "SUCCESS", description: "applied 1, unchanged 9" } },
      { environment: "production/prod-us-1", commitOid: "b".repeat(40), latestStatus: { state: "SUCCESS", description: "applied 1, unchanged 9" } },
      { environment: "production/prod-eu-1", commitOid: "a".repeat(40), latestStatus: { state: "INACTIVE", description: "applied 2, unchanged 8" } },
      { environment: "staging/stg-1", commitOid: "d".repeat(40), latestStatus: { state: "SUCCESS", description: null } },
      { environment: "qa", commitOid: "e".repeat(40), latestStatus: { state: "SUCCESS", description: null } },
    );
    expectFirstAccess(fake);
    fake.expectGraphql("BenderStatus", "BenderRunning");
    await start();

    const lines = String((await command("status production")).text).split("\n");
    expect(lines.filter((line) => line.startsWith("• cluster"))).toEqual([
      "• cluster prod-eu-1: runs `bbbbbbb`",
      "• cluster prod-us-1: runs `bbbbbbb`; the latest sync of `ccccccc` failed: Deployment shop/api: &lt;denied&gt;",
    ]);
  });

  it("status reads the manifests, not the last pin: a hand edit on the branch shows", async () => {
    const fake = repositoryWithHistory();
    fake.push("main", { "clusters/prod/api.yaml": fake.file("clusters/prod/api.yaml")!.replace(`${IMAGE}:1.4.0`, `${IMAGE}:1.3.9`) });
    expectFirstAccess(fake);
    fake.expectGraphql("BenderStatus", "BenderRunning");
    await start();

    const lines = String((await command("status production")).text).split("\n");

    expect(lines).toContainEqual(expect.stringMatching(/^• ghcr\.io\/acme\/api: runs 1\.3\.9 \(last unpinned /));
  });

  it("history <image>: the last pins and unpins, newest first, with who (from the merge commits' trailers) and when", async () => {
    const fake = repositoryWithHistory();
    // History reads no config: the installation and its token, then one query.
    expectRepositoryInstallation(fake.nameWithOwner, 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderHistory");
    await start();

    const answer = await command(`history ${IMAGE}`);

    expect(answer.response_type).toBe("ephemeral");
    expect(String(answer.text).split("\n")).toEqual([
      `• production: unpinned ${IMAGE}:1.4.1 by <@${PRIYA}> at ${fake.time} (<https://github.com/acme/manifests/pull/2|#2>)`,
      `• production: pinned ${IMAGE}:1.4.1 by <@${OWEN}> at ${fake.time} (<https://github.com/acme/manifests/pull/1|#1>)`,
    ]);
  });

  it("history of an image Bender never pinned says so", async () => {
    const fake = withBenderLabels(productionRepository("1.4.0", slackConfig(`[${OWEN}]`)));
    expectRepositoryInstallation(fake.nameWithOwner, 7);
    expectInstallationToken(7);
    fake.expectGraphql("BenderHistory");
    await start();

    expect((await command("history ghcr.io/acme/web")).text).toBe("No pins or unpins of ghcr.io/acme/web yet.");
  });
});
