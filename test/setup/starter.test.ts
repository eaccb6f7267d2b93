import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { environmentFolders } from "../../src/setup/environment-folders.js";
import { starterConfig } from "../../src/setup/starter-config.js";

describe("environmentFolders", () => {
  it("finds environments under clusters/, and globs per-app overlays", () => {
    expect(environmentFolders([
      "README.md",
      "clusters/staging/api.yaml",
      "clusters/staging/web/deploy.yml",
      "clusters/Prod_EU/api.yaml",
      "apps/api/overlays/prod/kustomization.yaml",
      "apps/web/overlays/prod/kustomization.yaml",
      "apps/api/overlays/dev/kustomization.yaml",
      ".github/bender.yml",
      "clusters/notes.txt",
    ])).toEqual({
      staging: ["clusters/staging"],
      "prod-eu": ["clusters/Prod_EU"],
      prod: ["apps/*/overlays/prod/**"],
      dev: ["apps/api/overlays/dev"],
    });
  });

  it("finds nothing in a layout it does not know", () => {
    expect(environmentFolders(["k8s/deploy.yaml", "values.yaml"])).toEqual({});
  });
});

describe("starterConfig", () => {
  it("is a valid config, staging first and pinning automatically, production waiting", () => {
    const text = starterConfig("acme/manifests", { folders: { production: ["clusters/prod"], staging: ["clusters/staging"] }, channel: "#deploys" });
    const parsed = parseConfig(text);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(Object.keys(parsed.config.environments)).toEqual(["staging", "production"]);
    expect(parsed.config.environments.staging?.autoPin).toBe(true);
    expect(parsed.config.environments.production?.autoPin).toBe(false);
    expect(text).toMatch(/^# yaml-language-server: \$schema=https:\/\/raw\.githubusercontent\.com\/bender-bot\/bender\/main\/docs\/bender\.schema\.json\n/);
  });

  it("falls back to example folders, still valid, and says so", () => {
    const text = starterConfig("acme/manifests", { folders: {} });
    expect(text).toContain("# Example folders: write your repository's own.");
    expect(parseConfig(text).ok).toBe(true);
  });
});
