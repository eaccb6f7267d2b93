import { convertAppManifest } from "../../github/convert-app-manifest.js";
import type { CreatedApp } from "../../github/convert-app-manifest.js";
import { GitHubError } from "../../github/github-error.js";
import type { CauseOptions, CodedError } from "../../errors/coded-error.js";

export type { CreatedApp };

/** The conversion failed: GitHub's status and message, said so a person can act on it. */
export class ConversionError extends Error implements CodedError {
  override readonly name = "ConversionError";
  readonly code = "manifest-conversion-failed";
  constructor(message: string, readonly status: number | undefined, options?: CauseOptions) {
    super(message, options);
  }
}

/**
 * Exchanges the one-time `code` GitHub gave after the App was created for its id, key and secrets
 * (src/github's `convertAppManifest`), saying a failure in words a person can act on.
 */
export async function convertManifestCode(code: string, apiUrl: string): Promise<CreatedApp> {
  try {
    return await convertAppManifest(code, apiUrl);
  } catch (error) {
    if (!(error instanceof GitHubError)) throw error;
    throw new ConversionError(conversionMessage(error, apiUrl), error.status, { cause: error });
  }
}

function conversionMessage(error: GitHubError, apiUrl: string): string {
  if (error.status === undefined) return `GitHub could not be reached at ${apiUrl} (${error.message})`;
  // An answer Bender cannot use (no App id or key).
  if (error.status < 300) return error.message;
  const said = error.detail ? `: ${error.detail}` : "";
  if (error.code === "not-found" || error.status === 422) return `GitHub did not accept the code (${error.status}${said}): it works once and for one hour`;
  return `GitHub answered ${error.status}${said}`;
}
