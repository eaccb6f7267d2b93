import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { renderConfigJsonSchema } from "../json-schema.js";

/** Where the schema lives, relative to the repository root; the docs and editors point here. */
const JSON_SCHEMA_FILE = "docs/bender.schema.json";

/** Writes the editor schema for `.github/bender.yml`; run by `npm run schema`. */
function writeJsonSchema(target = resolve(JSON_SCHEMA_FILE)): string {
  writeFileSync(target, renderConfigJsonSchema());
  return target;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  console.log(`wrote ${writeJsonSchema()}`);
}
