// A checker for the subset of JSON Schema that GitHub's webhook schemas use
// (type, enum, required, properties, additionalProperties, items, oneOf, anyOf,
// $ref), so hand-written fixtures are held to @octokit/openapi-webhooks.
// Formats are not checked.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
}

const document = require("@octokit/openapi-webhooks/generated/api.github.com.json") as {
  components: { schemas: Record<string, Schema> };
};

function resolve(schema: Schema): Schema {
  let current = schema;
  while (current.$ref !== undefined) {
    const name = current.$ref.replace("#/components/schemas/", "");
    const target = document.components.schemas[name];
    if (target === undefined) throw new Error(`unknown $ref ${current.$ref}`);
    current = target;
  }
  return current;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function matchesType(value: unknown, types: readonly string[]): boolean {
  const actual = typeOf(value);
  return types.includes(actual) || (actual === "integer" && types.includes("number"));
}

function check(value: unknown, raw: Schema, path: string, errors: string[]): void {
  const schema = resolve(raw);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!matchesType(value, types)) {
      errors.push(`${path}: expected ${types.join("|")}, got ${typeOf(value)}`);
      return;
    }
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  for (const [keyword, options] of [["oneOf", schema.oneOf], ["anyOf", schema.anyOf]] as const) {
    if (options === undefined) continue;
    const passing = options.filter((option) => {
      const nested: string[] = [];
      check(value, option, path, nested);
      return nested.length === 0;
    }).length;
    if (keyword === "oneOf" ? passing !== 1 : passing === 0) errors.push(`${path}: ${passing} ${keyword} branches match`);
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    for (const [index, item] of value.entries()) check(item, schema.items, `${path}[${index}]`, errors);
  }
  if (typeOf(value) !== "object") return;
  const record = value as Record<string, unknown>;
  for (const key of schema.required ?? []) {
    if (!(key in record)) errors.push(`${path}: missing required "${key}"`);
  }
  for (const [key, child] of Object.entries(record)) {
    const property = schema.properties?.[key];
    if (property !== undefined) check(child, property, `${path}.${key}`, errors);
    else if (schema.additionalProperties === false) errors.push(`${path}: unexpected "${key}"`);
    else if (typeof schema.additionalProperties === "object") check(child, schema.additionalProperties, `${path}.${key}`, errors);
  }
}

/** Every way `payload` departs from the named schema in components/schemas; empty when it conforms. */
export function schemaErrors(schemaName: string, payload: unknown): string[] {
  const schema = document.components.schemas[schemaName];
  if (schema === undefined) throw new Error(`no schema ${schemaName}`);
  const errors: string[] = [];
  check(payload, schema, "$", errors);
  return errors;
}
