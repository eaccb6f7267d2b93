import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseReference } from "../../src/image-ref/index.js";
import { bumpDirectory } from "../../src/manifests/io/bump-directory.js";
import { findReferences } from "../../src/manifests/index.js";
import { parsed } from "../support/references.js";

const fixturesRoot = fileURLToPath(new URL("../fixtures/bump/", import.meta.url));
const caseNames = readdirSync(fixturesRoot, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe("findReferences on the golden cases", () => {
  it.each(caseNames)("%s: finds every value the bump changes, as it reads before the bump", async (name) => {
    const { reference } = JSON.parse(readFileSync(path.join(fixturesRoot, name, "case.json"), "utf8")) as { reference: string };
    const image = parseReference(reference);
    if (!image.ok) throw new Error(reference);
    const original = path.join(fixturesRoot, name, "original");
    const result = await bumpDirectory({ root: original, target: image.reference, write: false });
    const files = new Set([...result.changes.map((change) => change.file), ...result.skipped.filter((skip) => skip.line !== undefined).map((skip) => skip.file)]);
    for (const file of files) {
      const text = readFileSync(path.join(original, file), "utf8");
      const found = findReferences(file, text, image.reference);
      const changes = result.changes.filter((change) => change.file === file);
      for (const change of changes) {
        expect(found, `${file} line ${change.line}`).toContainEqual({ line: change.line, kind: change.kind, value: change.before, yamlPath: change.yamlPath, document: change.document });
      }
      // After the bump, the same places hold the new values.
      const edit = result.edits.find((candidate) => candidate.file === file);
      if (edit) {
        const after = findReferences(file, edit.after, image.reference);
        for (const change of changes) expect(after).toContainEqual(expect.objectContaining({ yamlPath: change.yamlPath, document: change.document, value: change.after }));
      }
    }
  });
});

describe("findReferences", () => {
  const deployment = [
    "apiVersion: apps/v1",
    "kind: Deployment",
    "spec:",
    "  template:",
    "    spec:",
    "      containers:",
    "        - name: api",
    "          image: ghcr.io/acme/api:1.4.0",
    "        - name: worker",
    "          image: ghcr.io/acme/api-worker:1.4.0",
    "      initContainers:",
    "        - name: migrate",
    "          image: 'ghcr.io/acme/api:1.4.0@sha256:" + "c".repeat(64) + "'",
    "",
  ].join("\n");

  it("lists what each value holds now, whatever version the image names", () => {
    const expected = [
      { line: 8, kind: "container", value: "ghcr.io/acme/api:1.4.0", yamlPath: "spec.template.spec.containers[0].image", document: 0 },
      { line: 13, kind: "container", value: `ghcr.io/acme/api:1.4.0@sha256:${"c".repeat(64)}`, yamlPath: "spec.template.spec.initContainers[0].image", document: 0 },
    ];
    expect(findReferences("d.yaml", deployment, parsed("ghcr.io/acme/api"))).toEqual(expected);
    expect(findReferences("d.yaml", deployment, parsed("ghcr.io/acme/api:1.4.0"))).toEqual(expected);
    expect(findReferences("d.yaml", deployment, parsed("ghcr.io/acme/api:9@sha256:" + "d".repeat(64)))).toEqual(expected);
  });

  it("finds Helm tags and empty digests, and nothing for other repositories", () => {
    const values = "api:\n  image:\n    repository: ghcr.io/acme/api\n    tag: \"1.4.0\"\n    digest: \"\"\n";
    expect(findReferences("values.yaml", values, parsed("ghcr.io/acme/api"))).toEqual([
      { line: 4, kind: "helm-tag", value: "1.4.0", yamlPath: "api.image.tag", document: 0 },
      { line: 5, kind: "helm-digest", value: "", yamlPath: "api.image.digest", document: 0 },
    ]);
    expect(findReferences("values.yaml", values, parsed("quay.io/acme/api"))).toEqual([]);
    expect(findReferences("d.yaml", deployment, parsed("ghcr.io/acme/api-worker"))).toMatchObject([{ line: 10 }]);
  });

  it("reads the documents that parse when another one does not", () => {
    const text = "image: [broken ghcr.io/acme/api\n---\nimage: ghcr.io/acme/api:1.4.0\n";
    expect(findReferences("x.yaml", text, parsed("ghcr.io/acme/api"))).toEqual([
      { line: 3, kind: "image-field", value: "ghcr.io/acme/api:1.4.0", yamlPath: "image", document: 1 },
    ]);
  });
});
