import { describe, expect, it } from "vitest";
import { environmentOwnsPath, environmentsFor, parseConfig, pathMatcher, policyFor, tagAllowed } from "../../src/config/index.js";
import type { BenderConfig } from "../../src/config/index.js";
import { parsed } from "../support/references.js";

function config(text: string): BenderConfig {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2));
  return result.config;
}

const CONFIG = config(`
environments:
  dev: { paths: [clusters/dev] }
  staging: { paths: [clusters/staging] }
  production: { paths: ["clusters/prod-*/**"] }
images:
  - repository: ghcr.io/acme/api
    tagPattern: '^\\d+\\.\\d+\\.\\d+$'
    environments: [production, staging]
  - repository: redis
    environments: [dev]
  - repository: ghcr.io/acme/worker
    tagPattern: 'rc'
`);

describe("environmentOwnsPath", () => {
  it.each([
    ["clusters/prod", "clusters/prod/app.yaml", true],
    ["clusters/prod", "clusters/prod/deep/down/app.yaml", true],
    ["clusters/prod", "clusters/prod/.hidden/app.yaml", true],
    ["clusters/prod", "clusters/prod", true],
    ["clusters/prod", "clusters/production/app.yaml", false],
    ["clusters/prod", "clusters/app.yaml", false],
    ["clusters/prod/", "clusters/prod/app.yaml", true],
    ["./clusters/prod", "clusters/prod/app.yaml", true],
    ["clusters/prod", "./clusters/prod/app.yaml", true],
    ["clusters/prod-*/**", "clusters/prod-eu/app.yaml", true],
    ["clusters/prod-*/**", "clusters/prod-eu/a/b/.env.yaml", true],
    ["clusters/prod-*/**", "clusters/staging/app.yaml", false],
    ["clusters/prod-*", "clusters/prod-eu/app.yaml", false],
    ["**/kustomization.yaml", "apps/base/kustomization.yaml", true],
    ["apps/*/overlays/prod/*.yaml", "apps/api/overlays/prod/deploy.yaml", true],
    ["apps/*/overlays/prod/*.yaml", "apps/api/overlays/prod/sub/deploy.yaml", false],
    ["apps/{api,web}/**", "apps/web/x.yaml", true],
    ["apps/{api,web}/**", "apps/db/x.yaml", false],
    ["**", ".github/bender.yml", true],
  ])("%s owns %s: %s", (path, file, owned) => {
    expect(environmentOwnsPath({ paths: [path] }, file)).toBe(owned);
  });

  it("is owned if any of the paths owns it", () => {
    const matches = pathMatcher(["clusters/prod-*/**", "apps/overlays/prod"]);
    expect([matches("apps/overlays/prod/a.yaml"), matches("clusters/prod-us/a.yaml"), matches("apps/overlays/dev/a.yaml")]).toEqual([true, true, false]);
  });
});

describe("environmentsFor", () => {
  it("limits an image with a policy to its environments, in the file's order", () => {
    expect(environmentsFor(CONFIG, parsed("ghcr.io/acme/api:1.2.3"))).toEqual(["staging", "production"]);
  });

  it("matches policies by normalised repository", () => {
    expect(environmentsFor(CONFIG, parsed("docker.io/library/redis:7"))).toEqual(["dev"]);
    expect(environmentsFor(CONFIG, parsed("index.docker.io/redis@sha256:" + "a".repeat(64)))).toEqual(["dev"]);
  });

  it("allows every environment when no policy limits the image", () => {
    expect(environmentsFor(CONFIG, parsed("ghcr.io/acme/web:1"))).toEqual(["dev", "staging", "production"]);
    expect(environmentsFor(CONFIG, parsed("ghcr.io/acme/worker:rc1"))).toEqual(["dev", "staging", "production"]);
    expect(environmentsFor(config("environments: { a: { paths: [a] } }"), parsed("redis"))).toEqual(["a"]);
  });
});

describe("tagAllowed", () => {
  it("allows a tag matching the pattern", () => {
    expect(tagAllowed(CONFIG, parsed("ghcr.io/acme/api:1.2.3"))).toEqual({ ok: true });
  });

  it("refuses a tag not matching the pattern, saying why", () => {
    expect(tagAllowed(CONFIG, parsed("ghcr.io/acme/api:latest"))).toEqual({
      ok: false,
      reason: 'tag "latest" does not match /^\\d+\\.\\d+\\.\\d+$/, the tagPattern for ghcr.io/acme/api',
    });
  });

  it("matches an unanchored pattern anywhere in the tag", () => {
    expect(tagAllowed(CONFIG, parsed("ghcr.io/acme/worker:1.0-rc2"))).toEqual({ ok: true });
    expect(tagAllowed(CONFIG, parsed("ghcr.io/acme/worker:1.0")).ok).toBe(false);
  });

  it("refuses a digest-only reference when a pattern is set", () => {
    const digest = "sha256:" + "b".repeat(64);
    const decision = tagAllowed(CONFIG, parsed(`ghcr.io/acme/api@${digest}`));
    expect(decision).toEqual({ ok: false, reason: `ghcr.io/acme/api@${digest} has no tag, and tags of ghcr.io/acme/api must match /^\\d+\\.\\d+\\.\\d+$/` });
  });

  it("checks the tag of a reference with both tag and digest", () => {
    expect(tagAllowed(CONFIG, parsed(`ghcr.io/acme/api:2.0.0@sha256:${"c".repeat(64)}`))).toEqual({ ok: true });
  });

  it("allows anything without a pattern or a policy", () => {
    expect(tagAllowed(CONFIG, parsed("redis@sha256:" + "d".repeat(64)))).toEqual({ ok: true });
    expect(tagAllowed(CONFIG, parsed("ghcr.io/acme/web:whatever"))).toEqual({ ok: true });
  });

  it("finds the policy for a repository, or none", () => {
    expect(policyFor(CONFIG, parsed("library/redis"))?.repository).toBe("redis");
    expect(policyFor(CONFIG, parsed("ghcr.io/acme/other"))).toBeUndefined();
  });
});
