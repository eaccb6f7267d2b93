import { describe, expect, it } from "vitest";
import { decodeButtonValue, encodeButtonValue } from "../../../src/slack/blocks/index.js";
import type { ButtonValue } from "../../../src/slack/model.js";
import { HEAD } from "./views.js";

const VALUE: ButtonValue = { v: 1, repository: "acme/manifests", number: 42, head: HEAD, environment: "production" };

describe("button values", () => {
  it("round-trips", () => {
    expect(decodeButtonValue(encodeButtonValue(VALUE))).toEqual({ ok: true, value: VALUE });
  });

  it("stays far below Slack's 2,000 characters at the longest values allowed", () => {
    const longest: ButtonValue = { ...VALUE, repository: `${"o".repeat(100)}/${"n".repeat(100)}`, number: Number.MAX_SAFE_INTEGER, environment: `a${"-".repeat(39)}` };
    const encoded = encodeButtonValue(longest);
    expect(encoded.length).toBeLessThanOrEqual(2000);
    expect(decodeButtonValue(encoded)).toEqual({ ok: true, value: longest });
  });

  it("refuses to encode a value that would not decode", () => {
    expect(() => encodeButtonValue({ ...VALUE, head: "HEAD" })).toThrow(/head/);
    expect(() => encodeButtonValue({ ...VALUE, repository: "x".repeat(3000) })).toThrow(/repository/);
  });

  it.each<[string, unknown, RegExp]>([
    ["no value", undefined, /no value/],
    ["a number", 42, /no value/],
    ["not JSON", "{", /not JSON/],
    ["too long", `"${"x".repeat(2001)}"`, /longer than 2000/],
    ["another version", JSON.stringify({ ...VALUE, v: 2 }), /v was drawn by another version/],
    ["a short head", JSON.stringify({ ...VALUE, head: "abc123" }), /head/],
    ["an uppercase head", JSON.stringify({ ...VALUE, head: HEAD.toUpperCase() }), /head/],
    ["a zero number", JSON.stringify({ ...VALUE, number: 0 }), /number/],
    ["a fractional number", JSON.stringify({ ...VALUE, number: 1.5 }), /number/],
    ["a string number", JSON.stringify({ ...VALUE, number: "42" }), /number/],
    ["a repository without owner", JSON.stringify({ ...VALUE, repository: "manifests" }), /repository/],
    ["a repository with a path", JSON.stringify({ ...VALUE, repository: "acme/manifests/../x" }), /repository/],
    ["a dot repository", JSON.stringify({ ...VALUE, repository: "acme/.." }), /repository/],
    ["an uppercase environment", JSON.stringify({ ...VALUE, environment: "Prod" }), /environment/],
    ["a long environment", JSON.stringify({ ...VALUE, environment: "p".repeat(41) }), /environment/],
    ["an extra key", JSON.stringify({ ...VALUE, admin: true }), /admin|unrecognized/i],
    ["an array", "[]", /root/],
  ])("refuses %s with a reason", (_name, raw, reason) => {
    const decoded = decodeButtonValue(raw);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toMatch(reason);
  });
});
