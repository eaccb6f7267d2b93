import { existsSync } from "node:fs";
import path from "node:path";
import { createBenderServer } from "../server/http-server.js";
import { createMetricsServer } from "../server/metrics-server.js";
import { SettingsError, readSettings } from "../server/settings.js";
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, GITHUB_STOP_GRACE_MS } from "../server/shutdown.js";
import { isFirstRun } from "../setup/first-run.js";
import { EXIT_CANNOT_LISTEN, EXIT_OK, EXIT_UNEXPECTED, InvalidInputError } from "./cli-error.js";
import type { CliContext } from "./main.js";
import { parseOptions } from "./parse-options.js";

const SERVE_USAGE = `Usage: bender serve

Runs Bender's server: GitHub webhooks at /api/github/webhooks, the signed
build webhook at /api/builds, /healthz and /readyz, on one port. Settings come
from the environment, and from a .env file in the current directory when there
is one (see docs/settings.md). On SIGTERM or SIGINT it stops accepting, lets
work in flight finish for up to BENDER_SHUTDOWN_TIMEOUT_MS (10 s), then exits.
`;

/**
 * `bender serve`: read settings (exit 2 naming every bad variable), then
 * serve until SIGTERM or SIGINT, and shut down within the deadline.
 */
export async function serveCommand(args: readonly string[], context: CliContext): Promise<number> {
  const { values } = parseOptions("serve", args, { help: { type: "boolean", short: "h", default: false } }, false);
  if (values.help) {
    context.stdout.write(SERVE_USAGE);
    return EXIT_OK;
  }
  const envFile = path.join(context.cwd, ".env");
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  let settings;
  try {
    settings = readSettings(process.env);
  } catch (error) {
    // First run (no App credentials, not production): serve the set-up page instead (docs/getting-started.md).
    if (error instanceof SettingsError && isFirstRun(process.env)) return (await import("../setup/io/run-setup.js")).runSetup(process.env, context);
    if (error instanceof SettingsError) throw new InvalidInputError(error.message);
    throw error;
  }
  const { server, log, slack, shutdown, sweepRepositories, githubHealth, stopGithubRequests, metrics } = await createBenderServer({ settings });
  // From here every failure is a JSON log line (and an exit code), never a bare stack on stderr.
  const fatal = (error: unknown, what: string): void => {
    log.fatal({ err: error }, what);
    setTimeout(() => process.exit(EXIT_UNEXPECTED), 100).unref();
  };
  process.on("uncaughtException", (error) => fatal(error, "unexpected failure, stopping"));
  process.on("unhandledRejection", (error) => fatal(error, "unexpected failure (unhandled rejection), stopping"));
  const listening = await listen(server, settings.port, settings.host);
  if (listening !== undefined) {
    log.fatal({ code: listening.code, port: settings.port, host: settings.host }, listenFailure(listening.code, settings.host, settings.port));
    await shutdown.run(server, 0);
    return EXIT_CANNOT_LISTEN;
  }
  const metricsServer = settings.metricsPort === undefined ? undefined : createMetricsServer(metrics.registry);
  if (metricsServer) {
    const failed = await listen(metricsServer, settings.metricsPort ?? 0, settings.host);
    if (failed !== undefined) {
      log.fatal({ code: failed.code, port: settings.metricsPort, host: settings.host }, listenFailure(failed.code, settings.host, settings.metricsPort ?? 0).replace("set PORT", "set METRICS_PORT"));
      await shutdown.run(server, 0);
      return EXIT_CANNOT_LISTEN;
    }
    shutdown.register({ name: "metrics server", stop: async () => (metricsServer.close(), metricsServer.closeAllConnections()) });
  }
  log.info({ metricsPort: settings.metricsPort, port: settings.port, host: settings.host, github: settings.githubApiUrl, buildWebhook: settings.buildSecret !== undefined }, "Bender is listening");
  // Slack is checked after the server serves: an unreachable Slack never stops GitHub work.
  void slack?.start().catch((error: unknown) => log.error({ err: error }, "Slack could not start; serving GitHub only"));
  // The App's credentials are checked now and every minute; /readyz says what GitHub thinks of them.
  void githubHealth.start();
  // What an interrupted write left behind is finished through each repository's queue line.
  void sweepRepositories().catch((error: unknown) => log.warn({ err: error }, "manifest repositories could not be listed for the sweep at start"));
  if (process.env.WEBHOOK_PROXY_URL) {
    const { relayWebhooks } = await import("../setup/io/webhook-proxy.js");
    relayWebhooks(process.env.WEBHOOK_PROXY_URL, settings, log, shutdown);
  }
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  const timeoutMs = settings.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  log.info({ signal, inFlight: shutdown.inFlight, timeoutMs }, "shutting down");
  // GitHub work in flight gets a moment to finish; then it is abandoned (logged with its delivery id or build).
  const abandonGithub = setTimeout(stopGithubRequests, Math.min(GITHUB_STOP_GRACE_MS, timeoutMs));
  const outcome = await shutdown.run(server, timeoutMs);
  clearTimeout(abandonGithub);
  log.info(outcome, "stopped");
  // Work cut off may still hold timers or sockets; nothing of it is awaited any more.
  setTimeout(() => process.exit(EXIT_OK), 500).unref();
  return EXIT_OK;
}

/** Listens; resolves with the error (EADDRINUSE, EACCES…) instead of throwing it. */
async function listen(server: import("node:http").Server, port: number, host: string): Promise<NodeJS.ErrnoException | undefined> {
  return await new Promise((resolve) => {
    server.once("error", resolve);
    server.listen(port, host, () => resolve(undefined));
  });
}

function listenFailure(code: string | undefined, host: string, port: number): string {
  const where = `${host}:${port}`;
  if (code === "EADDRINUSE") return `cannot listen on ${where}: the port is in use (another Bender, or set PORT)`;
  if (code === "EACCES") return `cannot listen on ${where}: permission denied (ports below 1024 need privileges; set PORT)`;
  if (code === "EADDRNOTAVAIL") return `cannot listen on ${where}: no such address on this machine (set HOST)`;
  return `cannot listen on ${where}`;
}
