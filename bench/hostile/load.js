/**
 * Traffic for the hostile benchmark's server phase: valid signed `ping`
 * deliveries at a steady rate (their latency is the figure), and hostile
 * requests sent in loops beside them. Everything goes over plain sockets or
 * node:http to 127.0.0.1.
 */
import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { performance } from "node:perf_hooks";
import { clearInterval, setInterval } from "node:timers";

export const MARKER = "HOSTILE-PAYLOAD-MARKER";
const CHUNK = Buffer.alloc(64 * 1024, `{"x":"${MARKER}"}`);

function signature(secret, body) {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Sends one signed ping and resolves with its status and latency in ms. */
export function ping(port, secret, agent, id) {
  const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: id, hook: { type: "App", id: 1, events: ["push"] } });
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/api/github/webhooks",
        agent,
        headers: {
          "content-type": "application/json",
          "x-github-event": "ping",
          "x-github-delivery": `ping-${id}`,
          "x-hub-signature-256": signature(secret, body),
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on("error", (error) => resolve({ status: 0, error: error.code ?? error.message, ms: performance.now() - started }));
    req.end(body);
  });
}

export function keepAliveAgent() {
  // Idle sockets are dropped before the server's 5 s keep-alive timeout would close them under a request.
  return new Agent({ keepAlive: true, maxSockets: 20, timeout: 4_000 });
}

/**
 * Sends a request head and then streams `bodyBytes` of body as fast as the
 * server takes it, until the server answers or closes. Resolves with the
 * status (0 when the connection closed without one).
 */
export function streamRequest(port, head, bodyBytes, { chunked = false } = {}) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0));
    };
    socket.on("data", (data) => {
      received += data.toString("latin1");
      if (received.includes("\r\n\r\n")) finish();
    });
    socket.on("close", finish);
    socket.on("error", finish);
    socket.on("connect", async () => {
      socket.write(head);
      let sent = 0;
      while (!done && sent < bodyBytes) {
        const piece = chunked ? Buffer.concat([Buffer.from(`${CHUNK.length.toString(16)}\r\n`), CHUNK, Buffer.from("\r\n")]) : CHUNK;
        sent += CHUNK.length;
        if (!socket.write(piece)) await new Promise((resolve) => socket.once("drain", resolve).once("close", resolve));
      }
      if (chunked && !done) socket.write("0\r\n\r\n");
    });
    socket.setTimeout(30_000, finish);
  });
}

function webhookHead({ length, chunked, signed, delivery }) {
  const lines = [
    "POST /api/github/webhooks HTTP/1.1",
    "host: 127.0.0.1",
    "content-type: application/json",
    "x-github-event: push",
    `x-github-delivery: ${delivery}`,
    ...(signed ? [`x-hub-signature-256: sha256=${"0".repeat(64)}`] : []),
    chunked ? "transfer-encoding: chunked" : `content-length: ${length}`,
    "",
    "",
  ];
  return lines.join("\r\n");
}

const MB = 1024 * 1024;

/** The hostile request kinds, each one request; the scenario runs several loops of each. */
export const HOSTILE = {
  /** 30 MB declared, no signature: refused before the body is read. */
  "unsigned-30mb": (port, n) => streamRequest(port, webhookHead({ length: 30 * MB, signed: false, delivery: `unsigned-${n}` }), 30 * MB),
  /** 30 MB chunked (no length), a forged signature: read up to the cap, then 413. */
  "forged-chunked-30mb": (port, n) => streamRequest(port, webhookHead({ chunked: true, signed: true, delivery: `chunked-${n}` }), 30 * MB, { chunked: true }),
  /** 4 MB under the cap, a forged signature: read, hashed, refused. */
  "forged-4mb": (port, n) => streamRequest(port, webhookHead({ length: 4 * MB, signed: true, delivery: `forged-${n}` }), 4 * MB),
  /** Named input that used to answer 500: `//`, a Slack GET, a wrong method, a signed payload of an odd shape. */
  odd: async (port, n, secret) => {
    const statuses = [];
    statuses.push(await streamRequest(port, "GET // HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n", 0));
    statuses.push(await streamRequest(port, "GET /slack/events HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n", 0));
    statuses.push(await streamRequest(port, "DELETE /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n", 0));
    const body = JSON.stringify({ action: "closed", note: MARKER });
    const head = [
      "POST /api/github/webhooks HTTP/1.1",
      "host: x",
      "connection: close",
      "content-type: application/json",
      "x-github-event: pull_request",
      `x-github-delivery: odd-${n}`,
      `x-hub-signature-256: ${signature(secret, body)}`,
      `content-length: ${Buffer.byteLength(body)}`,
      "",
      body,
    ].join("\r\n");
    statuses.push(await streamRequest(port, head, 0));
    return statuses.every((status) => status >= 400 && status < 500) ? 400 : 500;
  },
  /** A slow head: one header line a second, until the server's headers timeout closes it. */
  "slow-headers": (port) =>
    new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1");
      let received = "";
      const timer = setInterval(() => socket.write(`x-slow-${Date.now()}: 1\r\n`), 1000);
      socket.on("connect", () => socket.write("POST /api/github/webhooks HTTP/1.1\r\nhost: x\r\n"));
      socket.on("data", (data) => (received += data.toString("latin1")));
      const finish = () => {
        clearInterval(timer);
        socket.destroy();
        resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0));
      };
      socket.on("close", finish);
      socket.on("error", finish);
    }),
};
