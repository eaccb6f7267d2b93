import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { createBenderServer } from "../../src/server/http-server.js";
import type { BenderServer } from "../../src/server/http-server.js";
import type { Settings } from "../../src/server/settings.js";
import { FAST_RETRY, TEST_SETTINGS } from "../support/bender-server.js";

export interface LoggedBender extends BenderServer {
  readonly port: number;
  readonly url: string;
  /** Every log line written, as text (one JSON object each). */
  readonly lines: string[];
  close(): Promise<void>;
}

/** Bender's real server on 127.0.0.1, logging at debug into `lines`. */
export async function startLoggedBender(settings: Partial<Settings> = {}): Promise<LoggedBender> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  const bender = await createBenderServer({
    settings: { ...TEST_SETTINGS, ...settings },
    retry: FAST_RETRY,
    processMetrics: false,
    log: pino({ level: "debug" }, sink),
  });
  await new Promise<void>((resolve) => bender.server.listen(0, "127.0.0.1", resolve));
  const { port } = bender.server.address() as AddressInfo;
  return {
    ...bender,
    port,
    url: `http://127.0.0.1:${port}`,
    lines,
    close: async () => {
      bender.server.closeAllConnections();
      await new Promise<void>((resolve) => bender.server.close(() => resolve()));
    },
  };
}

/**
 * Sends raw bytes on a fresh connection and resolves with what came back
 * once the server answers a whole response (or closes). The client's side
 * stays open: a server that answers has not waited for a body never sent.
 */
export async function rawRequest(port: number, head: string, body = ""): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 5 s; got ${JSON.stringify(received)}`));
    }, 5_000);
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.1 (?<status>\d{3})/.exec(received)?.groups?.status ?? 0);
      resolve({ status, text: received.slice(received.indexOf("\r\n\r\n") + 4) });
    };
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("utf8");
      const headEnd = received.indexOf("\r\n\r\n");
      const length = /content-length: (?<length>\d+)/i.exec(received)?.groups?.length;
      if (headEnd === -1) return;
      if (length !== undefined ? Buffer.byteLength(received.slice(headEnd + 4)) >= Number(length) : received.endsWith("\r\n0\r\n\r\n")) finish();
    });
    socket.on("close", finish);
    socket.on("error", () => undefined);
    socket.write(head.replaceAll("\n", "\r\n") + "\r\n");
    if (body) socket.write(body);
  });
}
