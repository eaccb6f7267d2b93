import { Octokit } from "@octokit/rest";
import { GitHubError, asGitHubError } from "./github-error.js";

/** What GitHub returns for a created App (POST /app-manifests/{code}/conversions), the parts Bender keeps. */
export interface CreatedApp {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
  readonly htmlUrl: string;
  readonly pem: string;
  readonly webhookSecret: string | null;
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * Exchanges the one-time `code` GitHub gave after the App was created for its id, key and secrets.
 * `apiUrl` is https://api.github.com or GitHub Enterprise Server's https://<host>/api/v3. The request
 * needs no authentication; the code lasts an hour and works once. A failure throws a GitHubError
 * (`asGitHubError`: `status` only when GitHub answered); an answer without the App's id or key is
 * `invalid` with status 200.
 */
export async function convertAppManifest(code: string, apiUrl: string): Promise<CreatedApp> {
  // Octokit's own request log would print each failure to the console; the caller says it once, clearly.
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const octokit = new Octokit({ baseUrl: apiUrl, userAgent: "bender-setup", log: quiet });
  let data;
  try {
    ({ data } = await octokit.request("POST /app-manifests/{code}/conversions", { code }));
  } catch (error) {
    throw asGitHubError(error) ?? error;
  }
  if (!data.pem || !data.id) throw new GitHubError("invalid", "GitHub's answer had no App id or private key", { status: 200 });
  return {
    id: data.id,
    slug: data.slug ?? "",
    name: data.name,
    htmlUrl: data.html_url,
    pem: data.pem,
    webhookSecret: data.webhook_secret ?? null,
    clientId: data.client_id,
    clientSecret: data.client_secret,
  };
}
