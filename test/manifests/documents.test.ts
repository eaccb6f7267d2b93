import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { parseReference } from "../../src/image-ref/index.js";
import { bumpFile } from "../../src/manifests/index.js";
import { splitDocuments } from "../../src/manifests/documents.js";

const SAMPLES = [
  "a: 1\n",
  "# only a comment\n---\na: 1\n---\nb: 2\n",
  "---\na: 1\n---\n---\nb: 1\n",
  "a: 1\r\n---\r\nb: 2\r\n",
  "a: 1\n---   # a comment on the marker\nb: 1\n--- |\n  block\n",
  "\n\n---\na: 1",
  "a: 1\n---\n# nothing but a comment\n",
  "key: |\n  ---not a marker: indented\nnext: ---x\n----\n",
  "%YAML 1.2\n---\na: 1\n...\n---\nb: 2\n",
];

describe("splitDocuments", () => {
  it.each(SAMPLES)("numbers the documents of %j as the parser does", (text) => {
    const chunks = splitDocuments(text);
    expect(chunks.map((chunk) => text.slice(chunk.start, chunk.end)).join("")).toBe(text);
    const whole = parseAllDocuments(text);
    const wholeCount = Array.isArray(whole) ? whole.length : 0;
    let counted = 0;
    for (const chunk of chunks) {
      expect(chunk.firstDocument).toBe(counted);
      const parsed = parseAllDocuments(text.slice(chunk.start, chunk.end));
      counted += Array.isArray(parsed) ? parsed.length : 0;
    }
    expect(counted).toBe(wholeCount);
  });

  it("keeps a file with directives or document ends whole", () => {
    const text = "%YAML 1.2\n---\na: 1\n...\n---\nb: 2\n";
    expect(splitDocuments(text)).toEqual([{ start: 0, end: text.length, firstDocument: 0 }]);
  });
});

describe("bumpFile on multi-document files", () => {
  const target = parseReference("ghcr.io/acme/api:1.4.1");
  if (!target.ok) throw new Error("bad test reference");

  it("reports the document index and line of a change in a later document", () => {
    const text = "# header\n---\nkind: Service\n---\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1.4.0\n";
    const outcome = bumpFile("all.yaml", text, target.reference);
    expect(outcome.changes).toMatchObject([{ document: 1, line: 8, yamlPath: "spec.containers[0].image" }]);
    expect(outcome.text).toBe(text.replace("1.4.0", "1.4.1"));
  });

  it("edits its document even when another document, which never names the image, is broken", () => {
    const text = "kind: ConfigMap\ndata: [unclosed\n---\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1.4.0\n";
    const outcome = bumpFile("all.yaml", text, target.reference);
    expect(outcome.skipped).toEqual([]);
    expect(outcome.text).toBe(text.replace("1.4.0", "1.4.1"));
  });
});
