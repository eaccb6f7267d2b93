import { describe, expect, it } from "vitest";
import { webhookShapeProblem } from "../../src/server/webhook-shape.js";
import { examples, fixture, withValue } from "../builds/payloads.js";

// registry_package has no example there (STACK.md); its fixture is checked below.
const EVENTS = ["push", "installation", "installation_repositories", "repository_dispatch", "package", "pull_request", "deployment_status"];

describe("webhook shapes", () => {
  it.each(EVENTS)("every real %s example from @octokit/webhooks-examples passes", (event) => {
    const payloads = examples(event);
    expect(payloads.length).toBeGreaterThan(0);
    for (const payload of payloads) expect(webhookShapeProblem(event, payload), JSON.stringify(payload).slice(0, 80)).toBeUndefined();
  });

  it("passes Bender's own package fixtures", () => {
    expect(webhookShapeProblem("registry_package", fixture("registry_package.published.container"))).toBeUndefined();
  });

  it("names the first missing or mistyped fields", () => {
    const [closed] = examples("pull_request").filter((payload) => payload.action === "closed");
    if (!closed) throw new Error("no closed pull_request example");
    expect(webhookShapeProblem("pull_request", withValue(closed, "pull_request.head", undefined))).toMatch(/^the pull_request payload is not what GitHub sends: pull_request\.head: /);
    expect(webhookShapeProblem("push", { ref: 1 })).toMatch(/ref: .*; /);
    // A deployment_status without its deployment was a TypeError in the handler (500); now a 400 naming it.
    const [status] = examples("deployment_status");
    if (!status) throw new Error("no deployment_status example");
    expect(webhookShapeProblem("deployment_status", withValue(status, "deployment", undefined))).toMatch(/^the deployment_status payload is not what GitHub sends: deployment: /);
    expect(webhookShapeProblem("deployment_status", withValue(status, "deployment.id", "7"))).toMatch(/deployment\.id: /);
  });

  it("does not check events Bender does not handle, beyond being an object", () => {
    expect(webhookShapeProblem("star", { anything: true })).toBeUndefined();
    expect(webhookShapeProblem("star", "text")).toBe("the payload is not a JSON object");
    expect(webhookShapeProblem("star", null)).toBe("the payload is not a JSON object");
  });
});
