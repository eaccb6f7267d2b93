/**
 * Bender's real server (dist/) for the hostile benchmark, in a process of its
 * own: `node bench/hostile/server.js`. Prints `{"port": N}` once listening;
 * on SIGTERM prints `{"maxRssMb": …, "loopDelayMaxMs": …, "loopDelayP99Ms": …}`
 * (its own peak RSS and event-loop delay while it ran) and exits.
 */
import { generateKeyPairSync } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pino } from "pino";
import { createBenderServer } from "../../dist/server/http-server.js";

export const WEBHOOK_SECRET = "bench-webhook-secret-0123456789";

const privateKey = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
}).privateKey;

const loop = monitorEventLoopDelay({ resolution: 10 });
const bender = await createBenderServer({
  settings: {
    appId: 1,
    privateKey,
    webhookSecret: WEBHOOK_SECRET,
    buildSecret: undefined,
    port: 0,
    host: "127.0.0.1",
    logLevel: "warn",
    githubApiUrl: "http://127.0.0.1:9/api/v3",
    githubWebUrl: "http://127.0.0.1:9",
    manifestRepositories: undefined,
    slack: undefined,
  },
  processMetrics: false,
  // Warnings go to a file the scenario reads: one line a refusal, none with a payload.
  log: pino({ level: "warn" }, pino.destination({ dest: process.env.BENCH_LOG_FILE ?? "/dev/null", sync: false })),
});
await new Promise((resolve) => bender.server.listen(0, "127.0.0.1", resolve));
loop.enable();
console.log(JSON.stringify({ port: bender.server.address().port }));
process.once("SIGTERM", () => {
  loop.disable();
  console.log(
    JSON.stringify({
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      loopDelayMaxMs: loop.max / 1e6,
      loopDelayP99Ms: loop.percentile(99) / 1e6,
    }),
  );
  bender.server.closeAllConnections();
  process.exit(0);
});
