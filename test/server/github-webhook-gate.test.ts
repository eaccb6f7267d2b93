import { sign } from "@octokit/webhooks-methods";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { githubWebhookGate } from "../../src/server/github-webhook-gate.js";

const SECRET = "gate-test-secret-0123456789";
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** The gate on a real server, whose handler (Probot's, in Bender) holds each delivery until `release` is called. */
async function gatedServer(options: { maxBytes: number; maxBufferedBytes: number }) {
  const handling: { delivery: string; release: () => void }[] = [];
  const gate = githubWebhookGate({
    secret: SECRET,
    ...options,
    log: pino({ level: "silent" }),
    next: (request: IncomingMessage, response: ServerResponse) =>
      new Promise<void>((resolve) => {
        handling.push({
          delivery: String(request.headers["x-github-delivery"]),
          release: () => {
            response.writeHead(200).end("handled");
            resolve();
          },
        });
      }),
  });
  server = createServer((request, response) => void gate(request, response));
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const deliver = async (delivery: string, size: number, chunked = false): Promise<Response> => {
    const body = JSON.stringify({ zen: "z".repeat(size - 22), hook_id: 1 });
    expect(body.length).toBe(size);
    const headers = { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": delivery, "x-hub-signature-256": await sign(SECRET, body) };
    // A stream body is sent chunked: no length is declared.
    const sent = chunked ? new Blob([body]).stream() : body;
    return fetch(`http://127.0.0.1:${port}/`, { method: "POST", headers, body: sent, ...(chunked ? { duplex: "half" } : {}) } as RequestInit);
  };
  const handled = async (count: number): Promise<void> => {
    for (let waited = 0; handling.length < count && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(handling).toHaveLength(count);
  };
  return { deliver, handling, handled };
}

describe("the webhook gate's memory budget", () => {
  it("holds a body's reservation until its delivery is handled: a second large body is refused meanwhile", async () => {
    const gate = await gatedServer({ maxBytes: 4096, maxBufferedBytes: 6000 });
    const first = gate.deliver("first", 4000);
    await gate.handled(1);
    // 4000 bytes are still held by the handler: another 4000 would make 8000, past 6000.
    const second = await gate.deliver("second", 4000);
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBe("1");
    expect(await second.text()).toMatch(/being read or handled at once/);
    gate.handling[0]?.release();
    expect((await first).status).toBe(200);
    // Given back once handled: the same body now goes through (the control).
    const third = gate.deliver("third", 4000);
    await gate.handled(2);
    gate.handling[1]?.release();
    expect((await third).status).toBe(200);
  });

  it("counts a body of unknown length as the cap while it is read, then as its own length while handled", async () => {
    const gate = await gatedServer({ maxBytes: 4096, maxBufferedBytes: 6000 });
    const small = gate.deliver("small-chunked", 100, true);
    await gate.handled(1);
    // 100 held, not the cap: 4000 more fit under 6000.
    const large = gate.deliver("large", 4000);
    await gate.handled(2);
    expect(gate.handling.map((entry) => entry.delivery)).toEqual(["small-chunked", "large"]);
    // Now 4100 are held: a third body of 4000 is refused.
    expect((await gate.deliver("refused", 4000)).status).toBe(503);
    for (const entry of gate.handling) entry.release();
    expect((await small).status).toBe(200);
    expect((await large).status).toBe(200);
  });
});
