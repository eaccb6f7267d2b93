/**
 * The GitHub App's credentials are checked as `bender serve` does (GET /app
 * with the App's JWT, at start and every minute): /readyz and /metrics say
 * what GitHub thinks of them. Through the real server, GitHub behind nock.
 */
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { GithubHealth, classifyAppFailure, describeCredentials } from "../../src/server/github-health.js";
import { postBuild, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { pino } from "pino";
import { FakeSlack, SLACK_SETTINGS, waitUntil } from "../support/slack.js";

const GITHUB = "https://api.github.com";
/** An App JWT: three base64url parts, the first `{"alg":"RS256"…`. */
const APP_JWT = /^bearer eyJ[\w-]+\.[\w-]+\.[\w-]+$/i;

let bender: RunningBender | undefined;
afterEach(async () => {
  await bender?.close();
  bender = undefined;
});

async function readyz(url: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function metric(url: string, line: RegExp): Promise<string | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split("\n").find((row) => line.test(row));
}

describe("GitHub App credentials on /readyz and /metrics", () => {
  it("a GitHub that refuses the JWT (401) makes /readyz 503 and says so, and bender_up{dependency=github} is 0", async () => {
    nock(GITHUB).get("/app").matchHeader("authorization", APP_JWT).reply(401, { message: "A JSON web token could not be decoded", documentation_url: "https://docs.github.com/rest" });
    bender = await startBender({}, { checkGithub: true });
    const answer = await readyz(bender.url);
    expect(answer.status).toBe(503);
    expect(answer.json.status).toBe("not ready");
    expect(answer.json.github).toBe("credentials refused (401): A JSON web token could not be decoded; check APP_ID and the private key");
    expect(await metric(bender.url, /^bender_up\{dependency="github"\}/)).toBe('bender_up{dependency="github"} 0');
    expect(await metric(bender.url, /^bender_github_credential_checks_total\{result="refused"\}/)).toBe('bender_github_credential_checks_total{result="refused"} 1');
  });

  it("a signed build while GitHub refuses the credentials is answered 502 with what to fix, counted as github-refused, and not queued", async () => {
    nock(GITHUB).get("/app").matchHeader("authorization", APP_JWT).reply(401, { message: "Bad credentials" });
    bender = await startBender({}, { checkGithub: true });
    // Nothing else is intercepted: a queued build would reach for GitHub and fail the test on an unmatched request.
    const answer = await postBuild(bender, { image: "ghcr.io/acme/api:1.2.3" });
    expect(answer.status).toBe(502);
    expect(answer.json).toEqual({
      error: "GitHub refused Bender's credentials: credentials refused (401): Bad credentials; check APP_ID and the private key",
      code: "github-forbidden",
    });
    expect(bender.queue?.length ?? 0).toBe(0);
    expect(await metric(bender.url, /^bender_builds_total\{origin="webhook",result="github-refused"\}/)).toBe('bender_builds_total{origin="webhook",result="github-refused"} 1');
    expect(await metric(bender.url, /^bender_builds_total\{origin="webhook",result="accepted"\}/)).toBeUndefined();
  });

  it("accepted credentials make /readyz 200 with github ok, bender_up 1; a later refusal shows at the next check", async () => {
    nock(GITHUB).get("/app").matchHeader("authorization", APP_JWT).reply(200, { id: 1, slug: "bender-test", name: "Bender test" });
    bender = await startBender({}, { checkGithub: true });
    expect(await readyz(bender.url)).toEqual({ status: 200, json: expect.objectContaining({ status: "ready", github: "ok" }) });
    expect(await metric(bender.url, /^bender_up\{dependency="github"\}/)).toBe('bender_up{dependency="github"} 1');

    // The key was rotated on GitHub's side: the next check (every minute) sees it.
    nock(GITHUB).get("/app").reply(401, { message: "'Expiration time' claim ('exp') is too far in the future" });
    await bender.githubHealth.check();
    const answer = await readyz(bender.url);
    expect(answer.status).toBe(503);
    expect(answer.json.github).toMatch(/^credentials refused \(401\): 'Expiration time' claim/);
  });

  it("a GitHub that cannot be reached is reported, but /readyz stays 200 (it may heal; the queue retries)", async () => {
    // Bender's Octokit retries a network failure twice (FAST_RETRY).
    nock(GITHUB).get("/app").times(3).replyWithError({ code: "ECONNREFUSED", message: "connect ECONNREFUSED 140.82.112.6:443" });
    bender = await startBender({}, { checkGithub: true });
    const answer = await readyz(bender.url);
    expect(answer.status).toBe(200);
    expect(answer.json.github).toMatch(/^GitHub cannot be reached: .*ECONNREFUSED/);
    expect(await metric(bender.url, /^bender_up\{dependency="github"\}/)).toBe('bender_up{dependency="github"} 0');
  });

  it("bender_up{dependency=slack} follows Slack's answer to the bot token", async () => {
    nock(GITHUB).get("/app").reply(200, { id: 1, slug: "bender-test" });
    const slack = new FakeSlack();
    slack.expect("auth.test");
    bender = await startBender({ slack: SLACK_SETTINGS }, { checkGithub: true, startSlack: true, slackRetries: 0 });
    await waitUntil(() => bender?.slack?.health() === "ok", "Slack's token check");
    expect(await metric(bender.url, /^bender_up\{dependency="slack"\}/)).toBe('bender_up{dependency="slack"} 1');
    expect(await metric(bender.url, /^bender_up\{dependency="github"\}/)).toBe('bender_up{dependency="github"} 1');
  });

  it("without the check started, /readyz says the credentials are not checked yet and makes no GitHub request", async () => {
    bender = await startBender();
    expect(await readyz(bender.url)).toEqual({ status: 200, json: expect.objectContaining({ status: "ready", github: "not checked yet" }) });
  });
});

describe("GithubHealth", () => {
  const log = pino({ level: "silent" });

  it("checks again every interval until stopped", async () => {
    let calls = 0;
    const health = new GithubHealth({ log, intervalMs: 20, request: async () => ({ slug: `app-${++calls}` }) });
    await health.start();
    await new Promise((resolve) => setTimeout(resolve, 110));
    health.stop();
    const seen = calls;
    expect(seen).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(calls).toBe(seen);
  });

  it("gives up on a GitHub that never answers after its timeout, and reports it unreachable", async () => {
    const health = new GithubHealth({
      log,
      timeoutMs: 30,
      request: (signal) => new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")))),
    });
    const started = Date.now();
    expect(await health.check()).toEqual({ state: "unreachable", message: "no answer in time" });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(health.ready()).toBe(true);
  });

  it("stop() ends a check in flight at once", async () => {
    const health = new GithubHealth({ log, request: (signal) => new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")))) });
    const checking = health.check();
    health.stop();
    await expect(checking).resolves.toEqual({ state: "unchecked" });
  });

  it.each([
    [{ name: "HttpError", status: 401, message: "Bad credentials" }, "credentials refused (401): Bad credentials; check APP_ID and the private key"],
    [{ name: "HttpError", status: 404, message: "Integration not found" }, "credentials refused (404): Integration not found; check APP_ID and the private key"],
    [{ name: "HttpError", status: 502, message: "Bad gateway" }, "GitHub cannot be reached: GitHub answered 502"],
    [Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:443"), { status: 500, cause: new Error("connect ECONNREFUSED") }), "GitHub cannot be reached: connect ECONNREFUSED"],
    [new Error("error:1E08010C:DECODER routines::unsupported"), "private key cannot sign a JWT: error:1E08010C:DECODER routines::unsupported"],
  ])("describes %j as %s", (error, text) => {
    expect(describeCredentials(classifyAppFailure(error))).toBe(text);
  });
});
