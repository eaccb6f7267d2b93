import { Octokit } from "@octokit/rest";

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

/** The conversion failed: GitHub's status and message, said so a person can act on it. */
export class ConversionError extends Error {
  override readonly name = "ConversionError";
  constructor(message: string, readonly status: number | undefined, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Exchanges the one-time `code` GitHub gave after the App was created for its id, key and secrets.
 * `apiUrl` is https://api.github.com or GitHub Enterprise Server's https://<host>/api/v3. The request
 * needs no authentication; the code lasts an hour and works once.
 */
export async function convertManifestCode(code: string, apiUrl: string): Promise<CreatedApp> {
  // Octokit's own request log would print each failure to the console; the caller says it once, clearly.
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const octokit = new Octokit({ baseUrl: apiUrl, userAgent: "bender-setup", log: quiet });
  let data;
  try {
    ({ data } = await octokit.request("POST /app-manifests/{code}/conversions", { code }));
  } catch (error) {
    const response = (error as { response?: { status?: number; data?: { message?: string } } }).response;
    // Octokit calls a failure with no answer (refused, reset, DNS) status 500; only an answer has a response.
    const status = response?.status;
    const said = response?.data?.message;
    if (status === 404 || status === 422) {
      throw new ConversionError(
        `GitHub did not accept the code (${status}${said ? `: ${said}` : ""}): it works once and for one hour`,
        status,
        { cause: error },
      );
    }
    const reason = status === undefined ? `GitHub could not be reached at ${apiUrl} (${(error as Error).message})` : `GitHub answered ${status}${said ? `: ${said}` : ""}`;
    throw new ConversionError(reason, status, { cause: error });
  }
  if (!data.pem || !data.id) throw new ConversionError("GitHub's answer had no App id or private key", 200);
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
