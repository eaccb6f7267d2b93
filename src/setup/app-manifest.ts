import { parse } from "yaml";

/** Where GitHub sends the person back with the `code` after the App is created. */
export const SETUP_CALLBACK_PATH = "/setup/callback";
/** Bender's GitHub webhook path (the server's WEBHOOK_PATH). */
export const GITHUB_WEBHOOK_PATH = "/api/github/webhooks";

/** The manifest GitHub's "create an App from a manifest" page takes, as sent in the form's `manifest` field. */
export interface AppManifest {
  readonly name: string;
  readonly url: string;
  readonly hook_attributes: { readonly url: string; readonly active?: boolean };
  readonly redirect_url: string;
  readonly public: boolean;
  readonly default_permissions: Record<string, string>;
  readonly default_events: readonly string[];
  readonly description?: string;
  readonly [key: string]: unknown;
}

export interface ManifestOptions {
  /** Where this set-up page is reached, e.g. http://localhost:3000 (GitHub's redirect comes back here). */
  readonly baseUrl: string;
  /** A smee.io channel (WEBHOOK_PROXY_URL) that forwards webhooks to this server; else the base URL receives them. */
  readonly webhookProxyUrl?: string | undefined;
}

/**
 * The App manifest for GitHub, from app.yml (the one source of the App's permissions and events):
 * the webhook URL and the redirect point at this host. Modelled on Probot's ManifestCreation.getManifest,
 * without its `public: manifest.public || true` (which made every App public).
 */
export function buildAppManifest(appYml: string, options: ManifestOptions): AppManifest {
  const fromFile = (parse(appYml) ?? {}) as Record<string, unknown>;
  const hook = (fromFile.hook_attributes ?? {}) as Record<string, unknown>;
  const base = options.baseUrl.replace(/\/+$/, "");
  return {
    ...fromFile,
    name: typeof fromFile.name === "string" ? fromFile.name : "Bender",
    url: typeof fromFile.url === "string" ? fromFile.url : base,
    public: fromFile.public === true,
    default_permissions: (fromFile.default_permissions ?? {}) as Record<string, string>,
    default_events: (fromFile.default_events ?? []) as string[],
    hook_attributes: { ...hook, url: options.webhookProxyUrl ?? `${base}${GITHUB_WEBHOOK_PATH}`, active: hook.active !== false },
    redirect_url: `${base}${SETUP_CALLBACK_PATH}`,
  };
}

/** GitHub's page that takes the manifest: the person's account, or an organisation's. `state` comes back with the code. */
export function createAppUrl(githubWebUrl: string, organization: string | undefined, state: string): string {
  const owner = organization ? `/organizations/${encodeURIComponent(organization)}` : "";
  return `${githubWebUrl}${owner}/settings/apps/new?state=${encodeURIComponent(state)}`;
}
