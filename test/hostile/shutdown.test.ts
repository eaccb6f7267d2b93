import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createServer as createHttpServer } from "node:http";
import { Writable } from "node:stream";
import { pino } from "pino";
import { ShutdownSequence } from "../../src/server/shutdown.js";
import { CLOSED_GITHUB_ENV, PRIVATE_KEY, WEBHOOK_SECRET } from "../support/bender-server.js";

// The real launcher (it runs dist/, which `npm test` builds first).
const BIN = fileURLToPath(new URL("../../bin/bender.js", import.meta.url));
const folder = mkdtempSync(path.join(tmpdir(), "bender-shutdown-"));
const keyPath = path.join(folder, "app.pem");
writeFileSync(keyPath, PRIVATE_KEY);
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `bender serve` on a free port, with its log lines parsed as they come. */
async function serve(env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, "serve"], {
    cwd: folder,
    env: { PATH: process.env.PATH ?? "", ...CLOSED_GITHUB_ENV, APP_ID: "1", WEBHOOK_SECRET, PRIVATE_KEY_PATH: keyPath, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  let buffered = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const line of parts) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  for (const until = Date.now() + 10_000; !lines.some((line) => line.msg === "Bender is listening"); ) {
    if (Date.now() > until) throw new Error("bender serve did not start");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { child, port, lines, exited };
}

/** Opens a webhook request that declares 100 bytes and sends 10: it stays in flight until `finish`. */
async function slowDelivery(port: number, delivery: string): Promise<{ socket: Socket; answer: Promise<string>; finish: () => void }> {
  const socket = connect(port, "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  let received = "";
  const answer = new Promise<string>((resolve) => {
    socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
    socket.on("close", () => resolve(received));
  });
  socket.on("error", () => undefined);
  const head = ["POST /api/github/webhooks HTTP/1.1", "host: 127.0.0.1", "content-type: application/json", "content-length: 100", "x-github-event: ping", `x-github-delivery: ${delivery}`, `x-hub-signature-256: sha256=${"0".repeat(64)}`, "", ""];
  socket.write(head.join("\r\n") + `{"zen":"a"`);
  return { socket, answer, finish: () => socket.write(`${"x".repeat(90)}`) };
}

/**
 * Waits until the server has read the slow request's head: a later request on another connection is answered only
 * after the event loop has taken the data that arrived before it (the start-up's own work may hold the loop a while
 * on a loaded machine, so a fixed pause is not enough).
 */
async function inFlight(port: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  await fetch(`http://127.0.0.1:${port}/healthz`);
}

describe("bender serve on SIGTERM", () => {
  it("cuts off a request still running at the deadline, logs its delivery id, and exits", async () => {
    const run = await serve({ BENDER_SHUTDOWN_TIMEOUT_MS: "300" });
    const slow = await slowDelivery(run.port, "slow-delivery-1");
    await inFlight(run.port);
    const signalled = Date.now();
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    // Generous: the deadline is 300 ms; the point is not the 120 s an open request used to cost.
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(run.lines).toContainEqual(expect.objectContaining({ msg: "request cut off by shutdown", delivery: "slow-delivery-1", path: "/api/github/webhooks" }));
    expect(run.lines).toContainEqual(expect.objectContaining({ msg: "stopped", cutRequests: 1 }));
    slow.socket.destroy();
  });

  it("lets a request in flight finish within the deadline, and takes no new connection", async () => {
    const run = await serve({ BENDER_SHUTDOWN_TIMEOUT_MS: "5000" });
    const slow = await slowDelivery(run.port, "slow-delivery-2");
    await inFlight(run.port);
    run.child.kill("SIGTERM");
    for (const until = Date.now() + 5_000; !run.lines.some((line) => line.msg === "shutting down"); ) {
      if (Date.now() > until) throw new Error("no shutdown line");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const refused = await fetch(`http://127.0.0.1:${run.port}/healthz`).then(
      () => "answered",
      () => "refused",
    );
    expect(refused).toBe("refused");
    slow.finish();
    // The request is answered (its signature is wrong: 400), not dropped.
    expect(await slow.answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(await run.exited).toBe(0);
    expect(run.lines).toContainEqual(expect.objectContaining({ msg: "stopped", cutRequests: 0, cutStoppers: [] }));
    expect(run.lines.some((line) => line.msg === "request cut off by shutdown")).toBe(false);
  });
});

describe("the shutdown sequence's stoppers", () => {
  it("runs every registered stopper after the requests, and names the one cut off at the deadline", async () => {
    const lines: string[] = [];
    const log = pino({}, new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }));
    const shutdown = new ShutdownSequence(log);
    const order: string[] = [];
    let aborted = false;
    shutdown.register({ name: "quick", stop: async () => void order.push("quick") });
    shutdown.register({
      name: "queue",
      stop: async (signal) => {
        order.push("queue");
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => ((aborted = true), resolve())));
      },
    });
    const server = createHttpServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const outcome = await shutdown.run(server, 200);
    expect(order).toEqual(["quick", "queue"]);
    expect(aborted).toBe(true);
    expect(outcome).toEqual({ cutRequests: 0, cutStoppers: ["queue"] });
    expect(lines.join("")).toContain('"stopper":"queue","msg":"work cut off by shutdown"');
    expect(server.listening).toBe(false);
  });
});
