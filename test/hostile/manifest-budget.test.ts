import { describe, expect, it } from "vitest";
import { bumpFile, findReferences, restoreValues } from "../../src/manifests/index.js";
import { countNodeMarks } from "../../src/manifests/parse-budget.js";
import { parsed } from "../support/references.js";

const target = parsed("ghcr.io/acme/api:1.4.1");
const small = { maxNodes: 200 };

/** A manifest that names the image, then holds a one-line flow list of `items` entries. */
function flowBomb(items: number): string {
  return `spec:\n  containers:\n  - image: ghcr.io/acme/api:1.4.0\nx: [${"a,".repeat(items)}a]\n`;
}

describe("the parse budget", () => {
  it("counts at least one mark for every node a parser can make", () => {
    expect(countNodeMarks("x: [a,b,c]\n")).toBe(5);
    expect(countNodeMarks("- - - a\n")).toBe(4);
    expect(countNodeMarks("{a: {b: c}}")).toBe(4);
    // Marks inside a scalar count too: the bound is loose, never short.
    expect(countNodeMarks("note: a, b, c\n")).toBe(4);
  });

  it("skips a file whose flow list is over budget as too-complex, before parsing it", () => {
    const outcome = bumpFile("bomb.yaml", flowBomb(1_000), target, small);
    expect(outcome.changes).toEqual([]);
    expect(outcome.text).toBeUndefined();
    expect(outcome.skipped).toEqual([
      { file: "bomb.yaml", code: "too-complex", reason: expect.stringMatching(/^too complex to parse safely: about 1\d{3} YAML nodes, more than the 200 Bender parses in one file/) as string },
    ]);
  });

  it("bumps the same shape when it is within budget (negative control)", () => {
    const outcome = bumpFile("bomb.yaml", flowBomb(100), target, small);
    expect(outcome.changes.map((change) => change.after)).toEqual(["ghcr.io/acme/api:1.4.1"]);
  });

  it("counts a long block list as a flow list: lines are nodes too", () => {
    const text = `image: ghcr.io/acme/api:1.4.0\nitems:\n${"- a\n".repeat(500)}`;
    expect(bumpFile("values.yaml", text, target, small).skipped.map((skip) => skip.code)).toEqual(["too-complex"]);
  });

  it("counts only the documents it parses: a large document that does not name the image costs nothing", () => {
    const text = `x: [${"a,".repeat(5_000)}a]\n---\nimage: ghcr.io/acme/api:1.4.0\n`;
    const outcome = bumpFile("bundle.yaml", text, target, small);
    expect(outcome.skipped).toEqual([]);
    expect(outcome.changes).toMatchObject([{ line: 3, after: "ghcr.io/acme/api:1.4.1", document: 1 }]);
  });

  it("sums the budget over a file's parsed documents", () => {
    const documentText = `image: ghcr.io/acme/api:1.4.0\nlist: [${"a,".repeat(60)}a]\n`;
    const text = Array.from({ length: 4 }, () => documentText).join("---\n");
    expect(bumpFile("bundle.yaml", text, target, small).skipped.map((skip) => skip.code)).toEqual(["too-complex"]);
    expect(bumpFile("bundle.yaml", text, target, { maxNodes: 1_000 }).changes).toHaveLength(4);
  });

  it("refuses a file of more documents than the budget allows before splitting it, and splits one at the limit", () => {
    const text = `image: ghcr.io/acme/api:1.4.0\n${"---\nx: 1\n".repeat(50)}`;
    expect(bumpFile("many.yaml", text, target, { maxNodes: 1_000, maxDocuments: 49 }).skipped).toEqual([
      { file: "many.yaml", code: "too-complex", reason: "too complex to parse safely: more than 49 YAML documents (--- lines) in one file; split it into smaller files" },
    ]);
    expect(bumpFile("many.yaml", text, target, { maxNodes: 1_000, maxDocuments: 50 }).changes).toHaveLength(1);
    const records = [{ file: "many.yaml", line: 1, kind: "image-field", before: "ghcr.io/acme/api:1.3.0", after: "ghcr.io/acme/api:1.4.0", document: 0, yamlPath: "image" }];
    expect(restoreValues("many.yaml", text, records, { maxNodes: 1_000, maxDocuments: 49 }).conflicts).toMatchObject([{ reason: expect.stringMatching(/more than 49 YAML documents/) as string }]);
    expect(restoreValues("many.yaml", text, records, { maxNodes: 1_000, maxDocuments: 50 }).restored).toHaveLength(1);
  });

  it("finds no references in a file over budget, and restores nothing from one", () => {
    const text = flowBomb(1_000);
    expect(findReferences("bomb.yaml", text, target, small)).toEqual([]);
    const restored = restoreValues(
      "bomb.yaml",
      text,
      [{ file: "bomb.yaml", line: 3, kind: "container", before: "ghcr.io/acme/api:1.3.0", after: "ghcr.io/acme/api:1.4.0", document: 0, yamlPath: "spec.containers[0].image" }],
      small,
    );
    expect(restored.text).toBeUndefined();
    expect(restored.conflicts).toMatchObject([{ line: 3, found: undefined, reason: expect.stringMatching(/^too complex to parse safely/) as string }]);
  });
});

describe("aliases", () => {
  it("resolves thousands of aliases to one anchored image once, and edits the anchor alone", () => {
    const aliases = 3_000;
    const containers = Array.from({ length: aliases }, () => "  - image: *api\n").join("");
    const text = `base: &api ghcr.io/acme/api:1.4.0\nspec:\n  containers:\n${containers}`;
    const started = performance.now();
    const outcome = bumpFile("aliases.yaml", text, target, { maxNodes: 100_000 });
    // Not a timed test (the benchmark measures); a generous bound only catches the quadratic walk (minutes).
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(outcome.changes).toMatchObject([{ line: 1, before: "ghcr.io/acme/api:1.4.0", after: "ghcr.io/acme/api:1.4.1" }]);
    expect(outcome.text).toBe(text.replace("api:1.4.0", "api:1.4.1"));
  });

  it("follows YAML's rule for a redefined anchor: an alias refers to the last anchor of its name before it", () => {
    const text = [
      "first: &img ghcr.io/acme/api:1.4.0",
      "spec:",
      "  containers:",
      "  - image: *img",
      "other: &img ghcr.io/acme/web:2.0.0",
      "later:",
      "  containers:",
      "  - image: *img",
      "",
    ].join("\n");
    const outcome = bumpFile("anchors.yaml", text, target);
    expect(outcome.changes).toMatchObject([{ line: 1, after: "ghcr.io/acme/api:1.4.1" }]);
    expect(outcome.text).toContain("other: &img ghcr.io/acme/web:2.0.0");
  });

  it("restores a value reached through an alias, by the same one-pass anchor map", () => {
    const text = "base: &api ghcr.io/acme/api:1.4.1\nspec:\n  containers:\n  - image: *api\n";
    const restored = restoreValues("a.yaml", text, [
      { file: "a.yaml", line: 1, kind: "container", before: "ghcr.io/acme/api:1.4.0", after: "ghcr.io/acme/api:1.4.1", document: 0, yamlPath: "spec.containers[0].image" },
    ]);
    expect(restored.conflicts).toEqual([]);
    expect(restored.text).toBe(text.replace("api:1.4.1", "api:1.4.0"));
  });
});

describe("the screen on one long line", () => {
  it("stays linear when the last component repeats thousands of times on one line beside a repository key", () => {
    const text = `repository: x\nimage: {repository: acme, list: [${"api,".repeat(200_000)}api]}\n`;
    const started = performance.now();
    const outcome = bumpFile("values.yaml", text, target, small);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(outcome.skipped.map((skip) => skip.code)).toEqual(["too-complex"]);
  });
});
