import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ShutdownAbort } from "../../src/errors/shutdown-abort.js";
import { COMPONENT_RENAMES, PROBOT_RENAMES, abandonedByShutdown, logTree } from "../../src/server/log-tree.js";
import { repeatedKeys, topLevelKeys } from "../support/log-lines.js";

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

describe("topLevelKeys", () => {
  it("lists repeats at the top level only, skipping nested objects and strings with quotes (the control)", () => {
    const line = '{"name":"bender","err":{"name":"x","a":[{"name":1}]},"msg":"say \\"name\\":","name":"github"}';
    expect(topLevelKeys(line)).toEqual(["name", "err", "msg", "name"]);
    expect(repeatedKeys(line)).toEqual(["name"]);
  });
});

describe("logTree", () => {
  it("plain pino children repeat keys (the problem), the tree does not", () => {
    const plain = capture();
    pino({ name: "bender" }, plain.stream).child({ name: "github" }).child({ name: "probot" }).info("x");
    expect(repeatedKeys(plain.lines[0] ?? "")).toEqual(["name"]);

    const tree = capture();
    const root = logTree(pino({ name: "bender" }, tree.stream), { renames: COMPONENT_RENAMES });
    const probot = logTree(root.child({ name: "github" }), { renames: PROBOT_RENAMES, skip: abandonedByShutdown });
    probot.child({ name: "probot" }).child({ name: "event", id: "d-1" }).warn({ extra: 1 }, "handled");
    root.child({ name: "queue" }).child({ name: "slack" }).info("y");
    expect(tree.lines.map((line) => repeatedKeys(line))).toEqual([[], []]);
    expect(JSON.parse(tree.lines[0] ?? "")).toEqual(expect.objectContaining({ name: "bender", component: "github", probot: "event", delivery: "d-1", extra: 1, msg: "handled" }));
    expect(JSON.parse(tree.lines[1] ?? "")).toEqual(expect.objectContaining({ component: "slack" }));

    // Probot's lines about work a shutdown abandoned are left out (Bender logs those once); others are kept.
    const stopped = new ShutdownAbort("GitHub request");
    probot.child({ name: "event", id: "d-2" }).error(stopped);
    probot.child({ name: "probot" }).error(new AggregateError([stopped], "GitHub request stopped by shutdown"));
    probot.child({ name: "probot" }).error({ err: new Error("Bad credentials") }, "failed");
    // Recognised by type, not by words: the same words from elsewhere are logged.
    probot.child({ name: "event", id: "d-3" }).error({ err: new DOMException("GitHub request stopped by shutdown", "AbortError") }, "worded alike");
    expect(tree.lines.slice(2).map((line) => (JSON.parse(line) as { msg?: string }).msg)).toEqual(["failed", "worded alike"]);
    tree.lines.splice(2);

    // A child's options (here a level) hold for it and its descendants, with the bindings gathered so far.
    const quiet = root.child({ name: "events" }, { level: "warn" }).child({ name: "queue" });
    quiet.info("dropped");
    quiet.warn("kept");
    expect(tree.lines.slice(2).map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([expect.objectContaining({ component: "queue", msg: "kept" })]);
  });
});
