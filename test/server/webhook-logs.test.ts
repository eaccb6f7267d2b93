/**
 * What the GitHub webhook path writes to the log: a forged or unsigned
 * delivery is one warn line (delivery id, reason) and never its payload; a
 * signed ping is one info line. Through the real server, logs captured.
 */
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { examples } from "../builds/payloads.js";
import { deliver, startBender } from "../support/bender-server.js";
import type { RunningBender } from "../support/bender-server.js";
import { repeatedKeys } from "../support/log-lines.js";

let bender: RunningBender | undefined;
afterEach(async () => {
  await bender?.close();
  bender = undefined;
});

async function benderWithLog(): Promise<{ bender: RunningBender; lines: string[] }> {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  bender = await startBender({}, { log: pino({ level: "debug" }, stream) });
  lines.length = 0; // The start's own lines ("runs GitHub-only").
  return { bender, lines };
}

const MARKER = "payload-marker-that-must-not-be-logged";

describe("the GitHub webhook path's log", () => {
  it("a forged delivery is one warn line with its delivery id and reason, and no payload", async () => {
    const { bender, lines } = await benderWithLog();
    const payload = { ...examples("ping")[0], zen: MARKER };
    const answer = await deliver(bender, "ping", payload, { secret: "not-the-webhook-secret" });
    expect(answer.status).toBe(400);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
    expect(line).toEqual(expect.objectContaining({ level: 40, msg: "GitHub webhook refused", delivery: expect.stringMatching(/^delivery-\d+$/), event: "ping", status: 400, reason: "signature does not match event payload and secret" }));
    expect(lines[0]).not.toContain(MARKER);
    expect(lines[0]).not.toContain("stack");
  });

  it("an unsigned delivery is one warn line too", async () => {
    const { bender, lines } = await benderWithLog();
    const response = await fetch(`${bender.url}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "unsigned-1" },
      body: JSON.stringify({ zen: MARKER }),
    });
    expect(response.status).toBe(400);
    expect(lines.map((text) => JSON.parse(text) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 40, delivery: "unsigned-1", reason: expect.stringMatching(/X-Hub-Signature-256/) }),
    ]);
  });

  it("a signed ping is answered 200 and logged at info with its delivery id, and no key repeats on a line", async () => {
    const { bender, lines } = await benderWithLog();
    const answer = await deliver(bender, "ping", examples("ping")[0]);
    expect(answer.status).toBe(200);
    const parsed = lines.map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(parsed.filter((line) => (line.level as number) >= 40)).toEqual([]);
    expect(parsed).toContainEqual(expect.objectContaining({ level: 30, msg: "GitHub ping received: webhooks reach Bender", delivery: expect.stringMatching(/^delivery-\d+$/) }));
    expect(lines.flatMap((line) => repeatedKeys(line))).toEqual([]);
  });
});
