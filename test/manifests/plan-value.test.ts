import { describe, expect, it } from "vitest";
import {
  planArgoImageValue,
  planDigestValue,
  planReferenceValue,
  planTagValue,
} from "../../src/manifests/plan-value.js";
import { parsed } from "../support/references.js";

const OLD = `sha256:${"a".repeat(64)}`;
const NEW = `sha256:${"b".repeat(64)}`;


describe("planReferenceValue keeps the repository as written and the value's form", () => {
  it.each([
    // [current value, target, expected value or skip code, note]
    ["ghcr.io/acme/api:1.4.0", "ghcr.io/acme/api:1.4.1", "ghcr.io/acme/api:1.4.1", undefined],
    ["redis:alpine", "redis:7", "redis:7", undefined],
    ["index.docker.io/library/redis:6", "redis:7", "index.docker.io/library/redis:7", undefined],
    ["docker.io/redis:6", "library/redis:7", "docker.io/redis:7", undefined],
    ["mongo", "mongo:7.0", "mongo:7.0", undefined],
    ["mongo", `mongo:7.0@${NEW}`, `mongo:7.0@${NEW}`, undefined],
    ["ghcr.io/acme/api:1.4.0", `ghcr.io/acme/api:1.4.1@${NEW}`, "ghcr.io/acme/api:1.4.1", undefined],
    [`ghcr.io/acme/api@${OLD}`, `ghcr.io/acme/api:1.4.1@${NEW}`, `ghcr.io/acme/api@${NEW}`, undefined],
    [`ghcr.io/acme/api@${OLD}`, `ghcr.io/acme/api@${NEW}`, `ghcr.io/acme/api@${NEW}`, undefined],
    [`ghcr.io/acme/api:1.4.0@${OLD}`, `ghcr.io/acme/api:1.4.1@${NEW}`, `ghcr.io/acme/api:1.4.1@${NEW}`, undefined],
    [`ghcr.io/acme/api:1.4.0@${OLD}`, "ghcr.io/acme/api:1.4.1", "ghcr.io/acme/api:1.4.1", "stale digest removed"],
    ["localhost:5000/api:1", "localhost:5000/api:2", "localhost:5000/api:2", undefined],
  ])("%s with %s gives %s", (current, target, expected, note) => {
    const plan = planReferenceValue(current, parsed(target));
    expect(plan).toEqual(note === undefined ? { action: "change", value: expected } : { action: "change", value: expected, note });
  });

  it.each([
    [`ghcr.io/acme/api@${OLD}`, "ghcr.io/acme/api:1.4.1", "digest-required"],
    ["ghcr.io/acme/api:1.4.0", `ghcr.io/acme/api@${NEW}`, "tag-required"],
    [`ghcr.io/acme/api:1.4.0@${OLD}`, `ghcr.io/acme/api@${NEW}`, "tag-required"],
  ])("%s with %s is skipped: %s", (current, target, code) => {
    expect(planReferenceValue(current, parsed(target))).toMatchObject({ action: "skip", code });
  });

  it.each([
    ["ghcr.io/acme/api-worker:1.0", "ghcr.io/acme/api:2"],
    ["ghcr.io/acme/api/sub:1.0", "ghcr.io/acme/api:2"],
    ["bitnami/redis:6", "redis:7"],
    ["localhost:5001/api:1", "localhost:5000/api:2"],
    ["${IMAGE}", "ghcr.io/acme/api:2"],
  ])("%s is not a reference to %s", (current, target) => {
    expect(planReferenceValue(current, parsed(target))).toEqual({ action: "not-ours" });
  });

  it("leaves a value that already is the target unchanged", () => {
    expect(planReferenceValue("ghcr.io/acme/api:1.4.1", parsed("ghcr.io/acme/api:1.4.1"))).toEqual({ action: "unchanged" });
  });
});

describe("tag, digest and Argo CD values", () => {
  it("rewrites a bare tag and refuses an empty one", () => {
    expect(planTagValue("1.4.0", parsed("ghcr.io/acme/api:1.4.1"))).toEqual({ action: "change", value: "1.4.1" });
    expect(planTagValue("", parsed("ghcr.io/acme/api:1.4.1"))).toMatchObject({ action: "skip", code: "empty-tag" });
    expect(planTagValue("1.4.0", parsed(`ghcr.io/acme/api@${NEW}`))).toMatchObject({ action: "skip", code: "tag-required" });
  });

  it("moves a digest, clears a stale one beside a tag, and refuses a lone stale one", () => {
    expect(planDigestValue(OLD, parsed(`ghcr.io/acme/api:1@${NEW}`), true)).toEqual({ action: "change", value: NEW });
    expect(planDigestValue(OLD, parsed("ghcr.io/acme/api:1"), true)).toEqual({ action: "change", value: "", note: "stale digest removed" });
    expect(planDigestValue(OLD, parsed("ghcr.io/acme/api:1"), false)).toMatchObject({ action: "skip", code: "digest-required" });
    expect(planDigestValue("", parsed(`ghcr.io/acme/api:1@${NEW}`), true)).toEqual({ action: "unchanged" });
  });

  it("matches the produced side of an Argo CD override and keeps the original name", () => {
    const target = parsed("ghcr.io/acme/api:1.4.1");
    expect(planArgoImageValue("nginx=ghcr.io/acme/api:1.4.0", target)).toEqual({ action: "change", value: "nginx=ghcr.io/acme/api:1.4.1" });
    expect(planArgoImageValue("ghcr.io/acme/api:1.4.0", target)).toEqual({ action: "change", value: "ghcr.io/acme/api:1.4.1" });
    expect(planArgoImageValue("ghcr.io/acme/api=nginx:1", target)).toEqual({ action: "not-ours" });
  });
});
