import { describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { schemaErrors } from "./openapi-shape.js";
import { examples, fixture, withValue } from "./payloads.js";
import type { FixtureName } from "./payloads.js";

const require = createRequire(import.meta.url);

const cases: ReadonlyArray<{ name: FixtureName; schema: string }> = [
  { name: "registry_package.published.container", schema: "webhook-registry-package-published" },
  { name: "registry_package.published.untagged", schema: "webhook-registry-package-published" },
  { name: "package.published.container", schema: "webhook-package-published" },
  { name: "package.published.npm", schema: "webhook-package-published" },
];

describe("webhook fixtures", () => {
  it.each(cases)("$name conforms to $schema", ({ name, schema }) => {
    expect(schemaErrors(schema, fixture(name))).toEqual([]);
  });

  it.each(cases)("$name says where its shape came from", ({ name, schema }) => {
    const note = (require(`../fixtures/webhooks/${name}.json`) as { _fixture: string })._fixture;
    expect(note).toContain("@octokit/webhooks-examples");
    if (!name.endsWith(".npm")) expect(note).toContain(schema);
  });

  it("package.published.npm is the first webhooks-examples package example, unchanged", () => {
    expect(fixture("package.published.npm")).toEqual(examples("package")[0]);
  });

  // Negative controls: the checker must be able to fail.
  it.each([
    { change: "registry_package.package_version", value: undefined, error: 'missing required "package_version"' },
    { change: "registry_package.id", value: "4242001", error: "$.registry_package.id: expected integer, got string" },
    { change: "action", value: "deleted", error: '$.action: "deleted" is not one of ["published"]' },
    { change: "registry_package.registry.url", value: 1, error: "$.registry_package.registry.url: expected string, got integer" },
  ])("the schema check catches $change = $value", ({ change, value, error }) => {
    const broken = withValue(fixture("registry_package.published.container"), change, value);
    expect(schemaErrors("webhook-registry-package-published", broken).join("\n")).toContain(error);
  });
});
