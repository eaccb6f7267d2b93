import { stringify } from "yaml";

/** Where the JSON Schema of .github/bender.yml is published: docs/bender.schema.json of Bender's repository. */
export const CONFIG_SCHEMA_URL = "https://raw.githubusercontent.com/bender-bot/bender/main/docs/bender.schema.json";

export interface StarterOptions {
  /** The environments' folders, by environment name; none or empty: staging → clusters/staging, production → clusters/production. */
  readonly folders?: Readonly<Record<string, readonly string[]>>;
  /** The Slack channel for proposals; none: GitHub-only. */
  readonly channel?: string | undefined;
}

/**
 * A first `.github/bender.yml` for a manifest repository: one environment per folder, the first one pinning
 * automatically, the others waiting for a pin by anyone in the channel (tighten `approvers` before production).
 */
export function starterConfig(repository: string, options: StarterOptions = {}): string {
  const found = options.folders && Object.keys(options.folders).length > 0 ? options.folders : undefined;
  const folders = found ?? { staging: ["clusters/staging"], production: ["clusters/production"] };
  const environments: Record<string, unknown> = {};
  // Staging-like environments first: the first one pins automatically.
  const names = Object.keys(folders).sort((a, b) => rank(a) - rank(b));
  for (const [index, name] of names.entries()) {
    environments[name] = {
      paths: [...(folders[name] ?? [])],
      ...(index === 0 ? { autoPin: true } : {}),
      ...(options.channel ? { slack: { channel: options.channel, approvers: "anyone" } } : {}),
    };
  }
  return [
    `# yaml-language-server: $schema=${CONFIG_SCHEMA_URL}`,
    `# .github/bender.yml for ${repository} (docs/config.md explains every key).`,
    found ? "# Environments found from the repository's folders; check them." : "# Example folders: write your repository's own.",
    stringify({ environments }, { lineWidth: 0 }).trimEnd(),
    "",
  ].join("\n");
}

/** Where an environment goes in the starter: dev and staging first, production last. */
function rank(name: string): number {
  if (/^(dev|develop|development|test|qa|ci)/.test(name)) return 0;
  if (/^(stag|preprod|pre-prod|uat)/.test(name)) return 1;
  if (/^(prod|production|live)/.test(name)) return 3;
  return 2;
}
