import { describe, expect, it } from "vitest";
import { buildFromWebhookBody } from "../../src/builds/index.js";
import { fieldPath, renderValue } from "../../src/builds/problems.js";

describe("renderValue", () => {
  it.each([
    { value: "a".repeat(80), text: `"${"a".repeat(80)}"` },
    { value: "a".repeat(81), text: `"${"a".repeat(80)}…"` },
    { value: 'say "hi"', text: '"say \\"hi\\""' },
    { value: 42, text: "42" },
    { value: false, text: "false" },
    { value: null, text: "null" },
    { value: [1, 2], text: "an array of 2" },
    { value: { a: 1 }, text: "an object" },
  ])("$value → $text", ({ value, text }) => {
    expect(renderValue(value)).toBe(text);
  });
});

describe("fieldPath", () => {
  it.each([
    { prefix: "", path: ["source", "commit"], text: "source.commit" },
    { prefix: "client_payload", path: ["source", "url"], text: "client_payload.source.url" },
    { prefix: "", path: ["repositories", 2], text: "repositories[2]" },
    { prefix: "client_payload", path: [], text: "client_payload" },
  ])("$text", ({ prefix, path, text }) => {
    expect(fieldPath(prefix, path)).toBe(text);
  });
});

describe("untrusted keys", () => {
  it("refuses __proto__ in a parsed JSON body by name and does not pollute", () => {
    const body: unknown = JSON.parse('{"image":"ghcr.io/acme/api:1.4.1","__proto__":{"polluted":true}}');
    expect(buildFromWebhookBody(body)).toEqual({
      kind: "invalid",
      problems: ['the request body has unknown field "__proto__"; allowed fields are image, source, repositories'],
    });
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});
