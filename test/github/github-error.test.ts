import { describe, expect, it } from "vitest";
import { isCodedError } from "../../src/errors/coded-error.js";
import {
  GitHubError,
  asGitHubError,
  graphqlError,
  graphqlFailureCode,
  isLostRace,
  isMergeRace,
  isRetryableGitHubFailure,
  toGitHubError,
} from "../../src/github/github-error.js";
import { ShutdownAbort } from "../../src/errors/shutdown-abort.js";
import { GithubWaitInterrupted } from "../../src/github/github-pacer.js";
import { ConfigChangedError } from "../../src/github/propose-context.js";
import { BodyTooLargeError } from "../../src/http/read-body.js";
import { SettingsError } from "../../src/server/settings.js";
import { SlackActionError } from "../../src/slack/slack-context.js";
import { InvalidInputError } from "../../src/cli/cli-error.js";
import { ConversionError } from "../../src/setup/io/convert-manifest.js";

function httpError(status: number, message = "GitHub said no", headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(message), { name: "HttpError", status, response: { headers } });
}

describe("GitHubError", () => {
  it.each([
    [500, "unreachable"],
    [502, "unreachable"],
    [429, "rate-limited"],
    [401, "forbidden"],
    [403, "forbidden"],
    [404, "not-found"],
    [410, "not-found"],
    [409, "conflict"],
    [422, "invalid"],
  ] as const)("translates an Octokit %i into %s, keeping the original as cause", (status, code) => {
    const original = httpError(status);
    const error = toGitHubError(original, "reading acme/manifests");
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.cause).toBe(original);
    expect(error.message).toBe(`reading acme/manifests: ${code} (GitHub answered ${status})`);
  });

  it("tells a rate-limited 403 from a missing permission", () => {
    expect(toGitHubError(httpError(403, "API rate limit exceeded"), "x").code).toBe("rate-limited");
    expect(toGitHubError(httpError(403, "nope", { "x-ratelimit-remaining": "0" }), "x").code).toBe("rate-limited");
    expect(toGitHubError(httpError(403, "Resource not accessible by integration"), "x").code).toBe("forbidden");
  });

  it("names a failure without an answer unreachable", () => {
    const error = toGitHubError(new TypeError("fetch failed"), "reading");
    expect(error).toMatchObject({ code: "unreachable", status: undefined, message: "reading: unreachable (fetch failed)" });
  });

  it("sees GitHub only in GitHub's errors: a bug is not retried, a 5xx or a limit is", () => {
    expect(asGitHubError(new RangeError("bug"))).toBeUndefined();
    expect(isRetryableGitHubFailure(new RangeError("bug"))).toBe(false);
    expect(isRetryableGitHubFailure(httpError(503))).toBe(true);
    expect(isRetryableGitHubFailure(httpError(429))).toBe(true);
    expect(isRetryableGitHubFailure(httpError(404))).toBe(false);
    expect(isRetryableGitHubFailure(new GitHubError("unreachable", "down"))).toBe(true);
    // A request cut short (Octokit passes the abort on with status 500) is tried again; a coded error with a status is not GitHub's.
    expect(isRetryableGitHubFailure(Object.assign(new ShutdownAbort("GitHub request"), { status: 500 }))).toBe(true);
    expect(isRetryableGitHubFailure(new ConversionError("GitHub answered 500", 500))).toBe(false);
  });

  it("wraps an Octokit HttpError keeping GitHub's words, and leaves other errors alone", () => {
    const translated = asGitHubError(httpError(403, "Resource not accessible by integration"));
    expect(translated).toMatchObject({ code: "forbidden", status: 403, message: "Resource not accessible by integration" });
    expect(asGitHubError(Object.assign(new Error("x"), { status: 500 }))).toBeUndefined();
    expect(asGitHubError(new Error("plain"))).toBeUndefined();
  });

  it("codes GraphQL field failures by type first, by GitHub's words second", () => {
    expect(graphqlFailureCode({ type: "NOT_FOUND", message: "Could not resolve to a Repository" })).toBe("not-found");
    expect(graphqlFailureCode({ type: "FORBIDDEN", message: "Resource not accessible" })).toBe("forbidden");
    expect(graphqlFailureCode({ type: "RATE_LIMITED", message: "slow down" })).toBe("rate-limited");
    expect(graphqlFailureCode({ type: "UNPROCESSABLE", message: "Expected branch to point to abc" })).toBe("conflict");
    expect(graphqlFailureCode({ type: "UNPROCESSABLE", message: "Title can't be blank" })).toBe("invalid");
    expect(isLostRace("Reference already exists")).toBe(true);
    expect(isLostRace("Title can't be blank")).toBe(false);
    expect(isMergeRace([{ message: "Pull request is not mergeable" }])).toBe(true);
    expect(isMergeRace([{ message: "Required status check is pending" }])).toBe(false);
  });

  it("makes one error of a document's failures, with a fallback when GitHub said nothing", () => {
    const failures = [{ path: ["repository"], type: "NOT_FOUND", message: "Could not resolve to a Repository" }];
    const error = graphqlError(failures, "cannot read acme/manifests", "no such repository");
    expect(error).toMatchObject({ code: "not-found", message: "cannot read acme/manifests: Could not resolve to a Repository" });
    expect(error.cause).toBe(failures);
    expect(graphqlError([], "cannot read acme/manifests", "no such repository").message).toBe("cannot read acme/manifests: no such repository");
  });
});

describe("asGitHubError", () => {
  it("keeps GitHub's own words and status when it answered", () => {
    const error = Object.assign(new Error("Bad credentials - https://docs.github.com/rest"), { name: "HttpError", status: 401, response: { headers: {}, data: { message: "Bad credentials" } } });
    const failure = asGitHubError(error);
    expect(failure).toMatchObject({ code: "forbidden", status: 401, detail: "Bad credentials", message: "Bad credentials - https://docs.github.com/rest" });
    expect(failure?.cause).toBe(error);
  });

  it("names a request that got no answer unreachable, with no status and the network's reason", () => {
    const error = Object.assign(new Error("Unknown Error"), { name: "HttpError", status: 500, cause: new Error("connect ECONNREFUSED 127.0.0.1:443") });
    expect(asGitHubError(error)).toMatchObject({ code: "unreachable", status: undefined, detail: "connect ECONNREFUSED 127.0.0.1:443" });
    // The control: a 5xx GitHub answered keeps its status.
    expect(asGitHubError(httpError(502))).toMatchObject({ code: "unreachable", status: 502 });
  });

  it("leaves an abort and a key that cannot sign alone (no failure of GitHub's)", () => {
    expect(asGitHubError(Object.assign(new DOMException("GitHub request stopped by shutdown", "AbortError"), { status: 500 }))).toBeUndefined();
    expect(asGitHubError(new Error("error:1E08010C:DECODER routines::unsupported"))).toBeUndefined();
    const translated = new GitHubError("not-found", "gone");
    expect(asGitHubError(translated)).toBe(translated);
  });
});

describe("every error class has a stable code and keeps its cause", () => {
  const cause = new Error("underneath");
  it.each([
    [new SettingsError(["APP_ID: missing"], { cause }), "invalid-settings"],
    [new BodyTooLargeError("too large", { cause }), "body-too-large"],
    [new InvalidInputError("bad", { cause }), "invalid-input"],
    [new ConfigChangedError("changed", { cause }), "config-changed"],
    [new GithubWaitInterrupted("installation 1", { cause }), "wait-interrupted"],
    [new SlackActionError("not-installed", "Bender is not installed on acme/x", { cause }), "not-installed"],
    [new GitHubError("conflict", "lost", { cause }), "conflict"],
    [new ConversionError("GitHub answered 500", 500, { cause }), "manifest-conversion-failed"],
  ] as const)("%s", (error, code) => {
    expect(isCodedError(error)).toBe(true);
    expect(error.code).toBe(code);
    expect(error.cause).toBe(cause);
  });

  it("is not claimed by anything else", () => {
    expect(isCodedError(new RangeError("bug"))).toBe(false);
    expect(isCodedError("a string")).toBe(false);
    expect(isCodedError({ code: "looks-coded", message: "but is no Error" })).toBe(false);
  });
});
