// Payloads for the build intakes: Bender's hand-written fixtures and the real
// examples from @octokit/webhooks-examples, loaded fresh (deep copies) each time.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export type Payload = Record<string, unknown>;

interface ExampleDefinition {
  name: string;
  examples: Payload[];
}

const definitions = require("@octokit/webhooks-examples") as ExampleDefinition[];

export type FixtureName =
  | "registry_package.published.container"
  | "package.published.container"
  | "registry_package.published.untagged"
  | "package.published.npm";

/** A fixture from test/fixtures/webhooks without its `_fixture` note. */
export function fixture(name: FixtureName): Payload {
  const payload = structuredClone(require(`../fixtures/webhooks/${name}.json`) as Payload);
  delete payload["_fixture"];
  return payload;
}

/** The real payloads GitHub's docs and the community contributed for one event. */
export function examples(eventName: string): Payload[] {
  const definition = definitions.find((candidate) => candidate.name === eventName);
  if (definition === undefined) throw new Error(`@octokit/webhooks-examples has no "${eventName}" event`);
  return structuredClone(definition.examples);
}

/** Sets `value` at a dotted path in a copy of `payload` (`undefined` deletes the key). */
export function withValue(payload: Payload, path: string, value: unknown): Payload {
  const copy = structuredClone(payload);
  const keys = path.split(".");
  const last = keys.pop() as string;
  let node = copy as Record<string, unknown>;
  for (const key of keys) node = node[key] as Record<string, unknown>;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}
