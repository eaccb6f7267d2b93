import { parse } from "yaml";
import type { Finding } from "./report.js";

/** What GET /app says of the App. */
export interface AppFacts {
  readonly slug: string;
  readonly htmlUrl: string;
  /** The App's permissions page: <web>/settings/apps/<slug>/permissions, or under /organizations/<org>/ for an organisation's App. */
  readonly permissionsUrl: string;
  readonly permissions: Readonly<Record<string, string | undefined>>;
  readonly events: readonly string[];
}

const LEVEL: Record<string, number> = { read: 1, write: 2, admin: 3 };

/**
 * The App's permissions and events against app.yml's: a permission missing or lower than app.yml asks for, or
 * an event not subscribed, is a finding (Bender would fail or miss work); more than app.yml asks is left alone.
 */
/** Where an App's permissions are edited, from GitHub's web URL and the App's owner. */
export function permissionsUrl(githubWebUrl: string, slug: string, owner: { login?: string; type?: string } | null | undefined): string {
  const base = owner?.type === "Organization" && owner.login ? `${githubWebUrl}/organizations/${owner.login}` : githubWebUrl;
  return `${base}/settings/apps/${slug}/permissions`;
}

export function compareWithManifest(app: AppFacts, appYml: string): Finding[] {
  const manifest = (parse(appYml) ?? {}) as { default_permissions?: Record<string, string>; default_events?: string[] };
  const settings = app.permissionsUrl;
  const findings: Finding[] = [];
  for (const [permission, wanted] of Object.entries(manifest.default_permissions ?? {})) {
    const has = app.permissions[permission];
    if ((LEVEL[has ?? ""] ?? 0) >= (LEVEL[wanted] ?? 0)) continue;
    findings.push({
      problem: `the App has ${has ? `"${permission}: ${has}"` : `no "${permission}" permission`}; app.yml asks for "${permission}: ${wanted}"`,
      fix: `give it "${wanted}" for ${permission} at ${settings}, then accept the new permissions on each installation`,
    });
  }
  for (const event of manifest.default_events ?? []) {
    if (app.events.includes(event)) continue;
    findings.push({ problem: `the App is not subscribed to the "${event}" event that app.yml lists`, fix: `tick "${event}" under "Subscribe to events" at ${settings}` });
  }
  return findings;
}
