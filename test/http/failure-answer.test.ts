import { describe, expect, it } from "vitest";
import { failureAnswer } from "../../src/http/failure-answer.js";
import { GitHubError, gitHubFailureReason } from "../../src/github/github-error.js";
import { ShutdownAbort } from "../../src/errors/shutdown-abort.js";
import { ConversionError } from "../../src/setup/io/convert-manifest.js";
import { SlackActionError } from "../../src/slack/slack-context.js";

function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { name: "HttpError", status, response: { headers: {} } });
}

describe("what a person can do about a GitHub failure", () => {
  it("names the credentials for a 401, keeping GitHub's words", () => {
    expect(gitHubFailureReason(httpError(401, "Bad credentials"))).toBe("GitHub refused Bender's credentials (HTTP 401: Bad credentials): check APP_ID and the private key");
  });

  it("names the installation's permissions for a 403, and tells unreachable and limits apart", () => {
    expect(gitHubFailureReason(httpError(403, "Resource not accessible by integration"))).toMatch(/^GitHub refused Bender \(HTTP 403: Resource not accessible by integration\): check the App's installation/);
    expect(gitHubFailureReason(httpError(502, "Bad Gateway"))).toMatch(/^GitHub could not be reached \(HTTP 502: Bad Gateway\)/);
    expect(gitHubFailureReason(httpError(429, "slow down"))).toMatch(/^GitHub asked Bender to wait/);
    expect(gitHubFailureReason(new GitHubError("not-found", "cannot read acme/x: no such repository"))).toBe("GitHub found nothing there (cannot read acme/x: no such repository): check that the App is installed on the repository");
  });

  it("says nothing of a failure that is not GitHub's", () => {
    expect(gitHubFailureReason(new RangeError("bug"))).toBeUndefined();
  });
});

describe("the answer to a failed request", () => {
  it("is 502 with the reason and a code when GitHub refused", () => {
    expect(failureAnswer(httpError(401, "Bad credentials"))).toEqual({
      status: 502,
      body: { error: "GitHub refused Bender's credentials (HTTP 401: Bad credentials): check APP_ID and the private key", code: "github-forbidden" },
    });
  });

  it("is 503 when GitHub cannot be reached", () => {
    expect(failureAnswer(httpError(503, "Service Unavailable")).status).toBe(503);
  });

  it("is 503 for work a shutdown abandoned (Octokit passes the abort on with status 500), not a GitHub failure", () => {
    expect(failureAnswer(Object.assign(new ShutdownAbort("GitHub request"), { status: 500 }))).toEqual({ status: 503, body: { error: "Bender is shutting down: try again in a moment", code: "shutting-down" } });
  });

  it("answers a coded failure that carries a status by its own code, not as GitHub's", () => {
    expect(failureAnswer(new ConversionError("GitHub answered 500", 500))).toEqual({ status: 500, body: { error: "GitHub answered 500", code: "manifest-conversion-failed" } });
  });

  it("names a coded failure, and only an unnamed one is a bare internal error", () => {
    expect(failureAnswer(new SlackActionError("not-installed", "Bender is not installed on acme/x"))).toEqual({ status: 500, body: { error: "Bender is not installed on acme/x", code: "not-installed" } });
    expect(failureAnswer(new TypeError("x is undefined"))).toEqual({ status: 500, body: { error: "internal error" } });
  });
});
