import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { githubUrls, GHE_HOST_PATTERN } from "../../server/settings.js";
import { createSetupServer } from "./setup-server.js";

export interface SetupContext {
  readonly cwd: string;
  readonly stdout: { write(chunk: string): unknown };
}

/**
 * First run (`npm start` with no GitHub App credentials): serves the set-up page until SIGTERM or SIGINT.
 * It listens on 127.0.0.1 unless HOST says otherwise, because whoever reaches the page could give Bender
 * their own App; PORT (3000) as the server would.
 */
export async function runSetup(env: NodeJS.ProcessEnv, context: SetupContext, signal?: AbortSignal): Promise<number> {
  const log = pino({ level: env.LOG_LEVEL ?? "info", name: "bender" }, pino.destination({ dest: 1, sync: true }));
  const port = /^\d{1,5}$/.test(env.PORT ?? "") ? Number(env.PORT) : 3000;
  const host = env.HOST || "127.0.0.1";
  const gheHost = env.GHE_HOST && GHE_HOST_PATTERN.test(env.GHE_HOST) ? env.GHE_HOST : undefined;
  const urls = githubUrls(gheHost, env.GHE_PROTOCOL === "http" ? "http" : "https");
  const server = createSetupServer({
    cwd: context.cwd,
    ...urls,
    organization: env.GH_ORG || undefined,
    webhookProxyUrl: env.WEBHOOK_PROXY_URL || undefined,
    manifestRepository: env.BENDER_MANIFEST_REPOS?.split(",")[0]?.trim() || undefined,
    loopbackOnly: ["127.0.0.1", "::1", "localhost"].includes(host),
    log,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host === "0.0.0.0" || host === "::" || host === "127.0.0.1" ? "localhost" : host;
  const url = `http://${shown}:${bound}/`;
  log.info({ url, github: urls.githubWebUrl, port: bound }, `No GitHub App settings: open ${url} to create the GitHub App`);
  const stopped = await new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
    signal?.addEventListener("abort", () => resolve("abort"));
  });
  log.info({ signal: stopped }, "set-up stopped");
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return 0;
}
