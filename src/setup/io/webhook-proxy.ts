import { SmeeClient } from "smee-client";
import type { Logger } from "pino";
import { GITHUB_WEBHOOK_PATH } from "../app-manifest.js";

/** A running forwarder from a smee.io channel to this server. */
export interface WebhookProxy {
  stop(): Promise<void>;
}

/**
 * WEBHOOK_PROXY_URL (Probot's convention): on a laptop with no public address, GitHub sends webhooks to a
 * smee.io channel and this client relays each one, headers and signature as sent, to Bender's own webhook path.
 * The relayed request goes through the same signature check as any other.
 */
export async function startWebhookProxy(source: string, target: string, log: Logger): Promise<WebhookProxy> {
  const proxyLog = log.child({ component: "webhook-proxy" });
  const client = new SmeeClient({
    source,
    target,
    logger: {
      info: (...args: unknown[]) => proxyLog.info({ detail: args.map(String).join(" ") }, "webhook proxy"),
      error: (...args: unknown[]) => proxyLog.warn({ detail: args.map(String).join(" ") }, "webhook proxy problem"),
    },
    maxConnectionTimeout: 10_000,
  });
  await client.start();
  proxyLog.info({ source, target }, "relaying webhooks from WEBHOOK_PROXY_URL");
  return { stop: () => client.stop() };
}

/**
 * Starts the relay beside the server without holding it up: a smee.io that cannot be reached is a warning
 * (Bender still serves), and the relay is stopped with the server.
 */
export function relayWebhooks(source: string, server: { host: string; port: number }, log: Logger, shutdown: { register(stopper: { name: string; stop(): Promise<void> }): void }): void {
  // A server listening on every address is reached on the loopback one.
  const host = server.host === "0.0.0.0" || server.host === "::" ? "127.0.0.1" : server.host.includes(":") ? `[${server.host}]` : server.host;
  startWebhookProxy(source, `http://${host}:${server.port}${GITHUB_WEBHOOK_PATH}`, log)
    .then((proxy) => shutdown.register({ name: "webhook-proxy", stop: () => proxy.stop() }))
    .catch((error: unknown) => log.warn({ err: error, source }, "WEBHOOK_PROXY_URL could not be reached; webhooks arrive only at the server's own address"));
}
