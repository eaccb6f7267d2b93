/**
 * A Redis for the tests that share a queue between replicas: the one .ci/run
 * starts (BENDER_TEST_REDIS_URL, flushed before each use), or a redis-server
 * started here on a free loopback port when the binary is installed
 * (Debian's redis-server package). Without either, the tests that need it are
 * skipped outside CI and fail in CI.
 */
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";

export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/** Whether the tests can have a Redis: CI's, or a redis-server binary to start. */
export function redisAvailable(): boolean {
  if (process.env.BENDER_TEST_REDIS_URL) return true;
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Empties the database, once the server answers (a server just started takes a moment). */
async function flush(url: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const redis = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    redis.on("error", () => undefined);
    try {
      await redis.connect();
      await redis.flushdb();
      await redis.quit();
      return;
    } catch (error) {
      redis.disconnect();
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** An empty Redis for one test. */
export async function startRedis(): Promise<TestRedis> {
  const shared = process.env.BENDER_TEST_REDIS_URL;
  if (shared) {
    await flush(shared);
    return { url: shared, stop: async () => undefined };
  }
  const port = await freePort();
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const url = `redis://127.0.0.1:${port}/0`;
  try {
    await flush(url);
  } catch (error) {
    child.kill("SIGTERM");
    throw error;
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
