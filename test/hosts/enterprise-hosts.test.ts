/**
 * GitHub Enterprise Server and GovSlack: with GHE_HOST, GHE_PROTOCOL and
 * SLACK_API_URL set, Bender's real server talks to those hosts and nowhere
 * else. GitHub and Slack here are plain node:http servers on 127.0.0.1 (not
 * nock), and an outbound guard records every request the process makes.
 */
import http from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { LogLevel, WebClient } from "@slack/web-api";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { decodeMetadata } from "../../src/proposals/metadata.js";
import { readSettings } from "../../src/server/settings.js";
import { BUILD_SECRET, PRIVATE_KEY, WEBHOOK_SECRET, postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { FakeRepository } from "../support/fake-github.js";
import { CHANNEL_ID, startLocalGithub, startLocalSlack, watchOutbound } from "../support/local-servers.js";
import type { LocalGithub, LocalSlack, OutboundGuard } from "../support/local-servers.js";

const INSTALLATION = 7;
const APP_ID = 4242;
const BOT_TOKEN = "xoxb-1234-5678-localtoken";
const SIGNING_SECRET = "0123456789abcdef0123456789abcdef";
const IMAGE = "ghcr.io/acme/api";
const COMMIT = "9f2c4e8b1d3a5c7e9f0b2d4a6c8e0f1a3b5d7c9e";
const BRANCH = "bender/production/ghcr.io-acme-api";
const CONFIG = `environments:
  production:
    paths: [clusters/prod]
    slack:
      channel: "#deploys"
      approvers: anyone
`;

function deployment(image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ${image}
`;
}

let github: LocalGithub | undefined;
let slack: LocalSlack | undefined;
let bender: RunningBender | undefined;
let guard: OutboundGuard | undefined;
afterEach(async () => {
  await bender?.slack?.stop();
  await bender?.close();
  await github?.close();
  await slack?.close();
  guard?.stop();
  bender = github = slack = guard = undefined;
});

/** Where Bender may send requests: the two local hosts, and its own server (the test's requests to it). */
function allowed(): string[] {
  return [github?.host, slack?.host, bender ? new URL(bender.url).host : undefined].filter((host): host is string => host !== undefined);
}

/** Fails at once when a request has gone anywhere else, rather than when a client gives up retrying it. */
function noStraysYet(): void {
  const strays = guard?.strays(allowed()) ?? [];
  if (strays.length > 0) throw new Error(`a request went elsewhere: ${JSON.stringify(strays)}`);
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    noStraysYet();
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The work's result, or the first stray request's failure, whichever comes first. */
async function guarded<T>(work: Promise<T>): Promise<T> {
  let done = false;
  const settled = work.finally(() => (done = true));
  await Promise.race([settled, until(() => done, "the work", 15_000)]);
  return settled;
}

/** A promise's rejection, or "resolved". */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

describe("GitHub Enterprise Server and a Slack API host of one's own", () => {
  it("sends every GitHub and Slack request of a build, through to its PR and message, to GHE_HOST and SLACK_API_URL alone", async () => {
    // No nock interceptor stands in for either host: what answers is a real server.
    expect(nock.pendingMocks()).toEqual([]);
    expect(nock.activeMocks()).toEqual([]);
    guard = watchOutbound();

    const repository = new FakeRepository("acme", "manifests", "main", {
      ".github/bender.yml": CONFIG,
      "clusters/prod/api.yaml": deployment(`${IMAGE}:1.4.0`),
    });
    github = await startLocalGithub({ repository, installationId: INSTALLATION, appId: APP_ID, privateKey: PRIVATE_KEY });
    slack = await startLocalSlack({ botToken: BOT_TOKEN });
    const ghe = github.webUrl;

    // The settings come from the environment through readSettings, so the real mapping is what is tested.
    const settings = readSettings({
      APP_ID: String(APP_ID),
      PRIVATE_KEY,
      WEBHOOK_SECRET,
      BENDER_BUILD_SECRET: BUILD_SECRET,
      LOG_LEVEL: "fatal",
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
    });
    expect([settings.githubApiUrl, settings.githubWebUrl, settings.slack?.apiUrl]).toEqual([`${ghe}/api/v3`, ghe, slack.apiUrl]);

    bender = await startBender(settings);
    await guarded(bender.slack?.start() ?? Promise.resolve());
    expect(bender.slack?.health()).toBe("ok");

    const response = await guarded(postBuild(bender, {
      image: `${IMAGE}:1.4.1`,
      source: { repository: "acme/api", commit: COMMIT, author: "octocat" },
      repositories: ["acme/manifests"],
    }));

    // The PR, with GHE's URL, in what became of the build and in the fake.
    expect(response.status).toBe(202);
    expect(response.proposals).toEqual([
      expect.objectContaining({ repository: "acme/manifests", environment: "production", action: "opened", pullRequest: { number: 1, url: `${ghe}/acme/manifests/pull/1` } }),
    ]);
    const [pullRequest, ...others] = repository.openPullRequests();
    expect(others).toEqual([]);
    expect(pullRequest).toMatchObject({ headRefName: BRANCH, baseRefName: "main", labels: ["bender", "bender/production"] });
    expect(repository.file("clusters/prod/api.yaml", BRANCH)).toBe(deployment(`${IMAGE}:1.4.1`));

    // The message is posted, and its place recorded on the PR: the notifier's last step.
    await until(() => {
      const decoded = decodeMetadata(repository.openPullRequests()[0]?.body);
      return decoded.ok && decoded.metadata.slack !== undefined;
    }, "the message's place on the PR");

    // The PR body links to the source commit on the Enterprise host, and nothing of github.com.
    const body = repository.openPullRequests()[0]?.body ?? "";
    expect(body).toContain(`](${ghe}/acme/api/commit/${COMMIT})`);
    expect(body).not.toMatch(/github\.com/);
    expect(decodeMetadata(body)).toMatchObject({ ok: true, metadata: { slack: { channel: CHANNEL_ID, ts: slack.messages[0]?.ts } } });

    // One message, on the local Slack, whose links point at the Enterprise host.
    expect(slack.messages).toHaveLength(1);
    const message = slack.messages[0];
    expect(message?.channel).toBe(CHANNEL_ID);
    const blocks = JSON.stringify(message?.blocks);
    expect(blocks).toContain(`<${ghe}/acme/manifests/pull/1|Pull request #1>`);
    expect(blocks).toContain(`<${ghe}/acme/manifests/pull/1/files|Files changed>`);
    expect(blocks).toContain(`<${ghe}/acme/api/commit/${COMMIT}|acme/api@9f2c4e8>`);
    expect(`${blocks}${message?.text ?? ""}`).not.toMatch(/github\.com|slack\.com/);

    await bender.slack?.stop();
    await bender.close();

    // GitHub saw exactly the requests of a build, each at its Enterprise path, each addressed to its host, each with the right credential.
    expect(github.invalidDocuments).toEqual([]);
    expect(github.requests.map((request) => `${request.method} ${request.path} ${request.operation ?? ""}`.trim())).toEqual([
      "GET /api/v3/repos/acme/manifests/installation",
      `POST /api/v3/app/installations/${INSTALLATION}/access_tokens`,
      "POST /api/graphql BenderConfig",
      "POST /api/graphql BenderReadState",
      "POST /api/graphql BenderWrite",
      // The message's place goes into the PR with this second write (labels), not a write of its own.
      "POST /api/graphql BenderWrite",
    ]);
    for (const request of github.requests) {
      expect(request.host).toBe(github.host);
      expect(request.auth).toBe(request.path.startsWith("/api/v3/") ? "jwt" : "installation");
    }

    // Slack saw the token check and the one message, under SLACK_API_URL.
    expect(slack.requests.map((request) => `${request.method} ${request.path}`)).toEqual(["POST /api/auth.test", "POST /api/chat.postMessage"]);
    for (const request of slack.requests) {
      expect(request.host).toBe(slack.host);
      expect(request.auth).toBe("bot");
    }

    // And nothing went anywhere else, at any layer: the guard saw the two hosts (so it was watching), and no other.
    expect(allowed()).toEqual([github.host, slack.host, new URL(bender.url).host]);
    expect(guard.strays(allowed())).toEqual([]);
    for (const via of ["fetch", "undici", "socket"]) {
      expect(guard.seen.filter((request) => request.via === via).map((request) => request.destination)).toEqual(expect.arrayContaining([github.host, slack.host]));
    }
    expect(nock.pendingMocks()).toEqual([]);
    expect(nock.activeMocks()).toEqual([]);
  });

  it("the outbound guard catches a stray request, whichever way it leaves (negative control)", async () => {
    guard = watchOutbound();
    const elsewhere = http.createServer((_request, response) => response.end("{}"));
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    const other = `127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    try {
      // github.com through Octokit's defaults, slack.com through the WebClient's, and node:http: refused by disableNetConnect, seen by the guard.
      expect(await outcome(new ProbotOctokit({ request: { retries: 0 }, retry: { enabled: false } }).request("GET /zen"))).toMatch(/Nock: Disallowed net connect|NetConnectNotAllowed/);
      expect(await outcome(new WebClient("xoxb-stray", { retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR }).auth.test())).toMatch(/Nock: Disallowed net connect|NetConnectNotAllowed|request failed/i);
      const viaHttp = await new Promise<string>((resolve) => {
        http.get("http://slack.com/api/api.test", (response) => resolve(`status ${response.statusCode}`)).on("error", (error) => resolve(error.message));
      });
      expect(viaHttp).toMatch(/Disallowed net connect/);
      // A local host that is neither GHE nor Slack gets through nock (127.0.0.1 is allowed) and is still caught, down to the socket.
      expect((await fetch(`http://${other}/api/v3/zen`)).status).toBe(200);
      // A raw socket, below fetch and node:http and out of nock's sight, is seen from its DNS lookup and its connection.
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ host: "localhost", port: Number(other.split(":")[1]), family: 4 }, () => {
          socket.destroy();
          resolve();
        });
        socket.on("error", reject);
      });
    } finally {
      await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
    }

    const strays = guard.strays(["127.0.0.1:1", "127.0.0.1:2"]);
    expect(strays).toEqual(expect.arrayContaining([
      { via: "fetch", destination: "api.github.com:443" },
      { via: "fetch", destination: "slack.com:443" },
      { via: "http.get", destination: "slack.com:80" },
      { via: "fetch", destination: other },
      { via: "undici", destination: other },
      { via: "socket", destination: other },
      { via: "dns", destination: "localhost" },
    ]));
    expect(strays.filter((request) => request.via === "socket")).toEqual([{ via: "socket", destination: other }, { via: "socket", destination: other }]);
    expect(strays.filter((request) => request.via === "nock").map((request) => request.destination)).toEqual(expect.arrayContaining(["api.github.com:443", "slack.com:443", "slack.com:80"]));
  });
});
