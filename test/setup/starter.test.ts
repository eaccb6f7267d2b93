import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { fillSlackManifest } from "../../src/setup/slack-manifest.js";
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

describe("fillSlackManifest", () => {
  const manifest = readFileSync(path.resolve(import.meta.dirname, "../../slack-app-manifest.yml"), "utf8");

  it("points every request URL at a public host, keeps the comments, and leaves Socket Mode off", () => {
    const filled = fillSlackManifest(manifest, "https://bender.acme.dev/");
    const data = parse(filled) as { settings: { interactivity: { request_url: string }; socket_mode_enabled: boolean }; features: { slash_commands: { url: string }[] } };
    expect(data.settings.interactivity.request_url).toBe("https://bender.acme.dev/slack/events");
    expect(data.features.slash_commands.map((command) => command.url)).toEqual(["https://bender.acme.dev/slack/events"]);
    expect(data.settings.socket_mode_enabled).toBe(false);
    expect(filled).toContain("# The /bender slash command.");
    expect(filled).not.toContain("bender.example.com");
  });

  it("turns Socket Mode on for a loopback address, which Slack cannot reach", () => {
    expect((parse(fillSlackManifest(manifest, "http://localhost:3000")) as { settings: { socket_mode_enabled: boolean } }).settings.socket_mode_enabled).toBe(true);
  });
});
