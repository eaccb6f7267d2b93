/** The variables a GitHub App set-up writes; with none of them set, Bender has never been set up here. */
const APP_CREDENTIALS = ["APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET"] as const;

/**
 * Whether `bender serve` should serve the set-up page instead of exiting: no GitHub App credential is set at all
 * (a partial or wrong set-up is a settings error, not a first run) and NODE_ENV is not production, where missing
 * settings must stop the process.
 */
export function isFirstRun(env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NODE_ENV === "production") return false;
  return APP_CREDENTIALS.every((name) => (env[name] ?? "") === "");
}
