import type { Probot } from "probot";
import { GitHubError, asGitHubError } from "./github-error.js";

/** The GitHub App as GitHub knows it (GET /app), the parts Bender uses. */
export interface GitHubApp {
  /** Undefined when GitHub gave none (the credentials check then names the App by `name`). */
  readonly slug: string | undefined;
  readonly name: string | undefined;
  readonly htmlUrl: string;
  /** The App's owner, for the URL of its settings (an organisation's App lives under /organizations/<login>/). */
  readonly owner: { readonly login?: string; readonly type?: string } | undefined;
  readonly permissions: Readonly<Record<string, string>>;
  readonly events: readonly string[];
}

/**
 * GET /app with the App's JWT (Probot's `auth()` with no installation): GitHub says whether the key belongs
 * to APP_ID, and what the App may do. A failed request throws a GitHubError (`asGitHubError`); an abort and
 * a key that cannot sign a JWT are thrown as they are.
 */
export async function readApp(probot: Probot, options: { readonly signal?: AbortSignal } = {}): Promise<GitHubApp> {
  let data;
  try {
    const app = await probot.auth();
    ({ data } = await app.request("GET /app", options.signal ? { request: { signal: options.signal } } : {}));
  } catch (error) {
    throw asGitHubError(error) ?? error;
  }
  if (!data) throw new GitHubError("invalid", "GET /app answered nothing");
  const owner = data.owner as { login?: string; type?: string } | null | undefined;
  return {
    slug: data.slug,
    name: data.name,
    htmlUrl: data.html_url,
    owner: owner ?? undefined,
    permissions: data.permissions as Record<string, string>,
    events: data.events,
  };
}
