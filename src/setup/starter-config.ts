import { stringify } from "yaml";

/** Where the JSON Schema of .github/bender.yml is published: docs/bender.schema.json of Bender's repository. */
export const CONFIG_SCHEMA_URL = "https://raw.githubusercontent.com/bender-bot/bender/main/docs/bender.schema.json";

export interface StarterOptions {
  /** The environments' folders, by environment name; default staging → clusters/staging, production → clusters/production. */
  readonly folders?: Readonly<Record<string, string>>;
  /** The Slack channel for proposals; none: GitHub-only. */
  readonly channel?: string | undefined;
}

/**
 * A first `.github/bender.yml` for a manifest repository: one environment per folder, the first one pinning
 * automatically, the others waiting for a pin by anyone in the channel (tighten `approvers` before production).
 */
export function starterConfig(repository: string, options: StarterOptions = {}): string {
  const folders = options.folders ?? { staging: "clusters/staging", production: "clusters/production" };
  const environments: Record<string, unknown> = {};
  for (const [index, [name, folder]] of Object.entries(folders).entries()) {
    environments[name] = {
      paths: [folder],
      ...(index === 0 ? { autoPin: true } : {}),
      ...(options.channel ? { slack: { channel: options.channel, approvers: "anyone" } } : {}),
    };
  }
  return [
    `# yaml-language-server: $schema=${CONFIG_SCHEMA_URL}`,
    `# .github/bender.yml for ${repository} (docs/config.md explains every key).`,
    stringify({ environments }, { lineWidth: 0 }).trimEnd(),
    "",
  ].join("\n");
}
