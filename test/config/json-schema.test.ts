import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configJsonSchema, parseConfig, renderConfigJsonSchema } from "../../src/config/index.js";

const SCHEMA_FILE = new URL("../../docs/bender.schema.json", import.meta.url);
const CONFIG_DOC = new URL("../../docs/config.md", import.meta.url);

describe("docs/bender.schema.json", () => {
  it("is the schema generated from the zod schema (run `npm run schema` after changing it)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8"), "docs/bender.schema.json is stale: run `npm run schema`").toBe(renderConfigJsonSchema());
  });

  it("describes every key for editors and keeps maps strict", () => {
    const schema = configJsonSchema() as { title?: string; properties: Record<string, { description?: string }>; additionalProperties: unknown };
    expect(schema.title).toBe("Bender configuration (.github/bender.yml)");
    expect(schema.additionalProperties).toBe(false);
    for (const [key, property] of Object.entries(schema.properties)) {
      expect(property.description, key).toBeTruthy();
    }
    expect(JSON.stringify(schema)).not.toContain('"additionalProperties":{}');
  });
});

describe("docs/config.md", () => {
  it("has examples that parse", () => {
    // A block marked `<!-- bender.yml: invalid -->` is wrong on purpose (test/docs/config-snippets.test.ts checks it stays so).
    const blocks = [...readFileSync(CONFIG_DOC, "utf8").matchAll(/(?<before>[^\n]*)\n```yaml\n(?<body>[\s\S]*?)```/g)]
      .filter((match) => !match.groups?.before?.startsWith("<!-- bender.yml: invalid"))
      .map((match) => match.groups?.body ?? "");
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks.filter((body) => body.includes("environments:"))) {
      const result = parseConfig(block);
      expect(result.ok ? [] : result.problems, block).toEqual([]);
    }
  });
});
