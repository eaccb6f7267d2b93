import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseReference } from "../../src/image-ref/index.js";
import { bumpDirectory } from "../../src/manifests/io/bump-directory.js";
import { bumpFile, findReferences, restoreValues } from "../../src/manifests/index.js";
import type { RecordedChange } from "../../src/manifests/index.js";
import { parsed } from "../support/references.js";

const fixturesRoot = fileURLToPath(new URL("../fixtures/bump/", import.meta.url));
const caseNames = readdirSync(fixturesRoot, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const target = parsed("ghcr.io/acme/api:1.4.1");

/** Bumps `text` to 1.4.1 and returns the new text with what a proposal would record. */
function pin(file: string, text: string, reference = target): { text: string; records: RecordedChange[] } {
  const outcome = bumpFile(file, text, reference);
  if (outcome.text === undefined) throw new Error(`expected ${file} to change: ${JSON.stringify(outcome.skipped)}`);
  const records = outcome.changes.map(({ file: name, line, kind, before, after, document, yamlPath }) => ({ file: name, line, kind, before, after, document, yamlPath }));
  return { text: outcome.text, records };
}

describe("restoreValues on the golden cases", () => {
  it.each(caseNames)("%s: restoring what the bump recorded gives the original back", async (name) => {
    const { reference } = JSON.parse(readFileSync(path.join(fixturesRoot, name, "case.json"), "utf8")) as { reference: string };
    const image = parseReference(reference);
    if (!image.ok) throw new Error(reference);
    const result = await bumpDirectory({ root: path.join(fixturesRoot, name, "original"), target: image.reference, write: false });
    for (const edit of result.edits) {
      const records = result.changes.filter((change) => change.file === edit.file);
      const restored = restoreValues(edit.file, edit.after, records);
      expect(restored.conflicts, edit.file).toEqual([]);
      expect(restored.restored.map((change) => [change.yamlPath, change.before, change.after])).toEqual(records.map((record) => [record.yamlPath, record.after, record.before]));
      // A value the bump had to quote (a plain `1.4` that became `"1.10"`, a digest emptied to `""`) stays quoted: same value, other bytes.
      const requoted = records.some((record) => record.after === "" || (result.changes.find((change) => change === record)?.note ?? "").includes("quoted"));
      if (!requoted) expect(restored.text, edit.file).toBe(edit.before);
      const valuesBefore = findReferences(edit.file, edit.before, image.reference).map((found) => [found.yamlPath, found.value]);
      expect(findReferences(edit.file, restored.text ?? "", image.reference).map((found) => [found.yamlPath, found.value])).toEqual(valuesBefore);
    }
  });
});

describe("restoreValues", () => {
  it("puts back each value in its quote style and leaves every other byte alone", () => {
    const original = [
      "# top comment",
      "spec:",
      "  containers:",
      "    - name: a   # keep",
      "      image: 'ghcr.io/acme/api:1.4.0'  # single",
      "    - name: b",
      '      image: "ghcr.io/acme/api:1.4.0"',
      "    - name: c",
      "      image: ghcr.io/acme/api:1.4.0 # plain",
      "",
    ].join("\r\n");
    const text = `\uFEFF${original}`;
    const pinned = pin("deploy.yaml", text);
    expect(pinned.records).toHaveLength(3);
    const outcome = restoreValues("deploy.yaml", pinned.text, pinned.records);
    expect(outcome.text).toBe(text);
    expect(outcome.conflicts).toEqual([]);
    expect(outcome.restored).toEqual([
      { file: "deploy.yaml", line: 5, kind: "container", before: "ghcr.io/acme/api:1.4.1", after: "ghcr.io/acme/api:1.4.0", document: 0, yamlPath: "spec.containers[0].image" },
      { file: "deploy.yaml", line: 7, kind: "container", before: "ghcr.io/acme/api:1.4.1", after: "ghcr.io/acme/api:1.4.0", document: 0, yamlPath: "spec.containers[1].image" },
      { file: "deploy.yaml", line: 9, kind: "container", before: "ghcr.io/acme/api:1.4.1", after: "ghcr.io/acme/api:1.4.0", document: 0, yamlPath: "spec.containers[2].image" },
    ]);
  });

  it("restores in the right document of a multi-document file, and in flow style", () => {
    const text = [
      "kind: ConfigMap",
      "data: {image: ghcr.io/acme/api:1.4.0}",
      "---",
      "# the deployment",
      "spec: {template: {spec: {containers: [{name: a, image: ghcr.io/acme/api:1.4.0}]}}}",
      "---",
      "spec:",
      "  containers: [{name: b, image: \"ghcr.io/acme/api:1.4.0\"}]",
      "",
    ].join("\n");
    const pinned = pin("all.yaml", text);
    expect(pinned.records.map((record) => [record.document, record.yamlPath])).toEqual([
      [0, "data.image"],
      [1, "spec.template.spec.containers[0].image"],
      [2, "spec.containers[0].image"],
    ]);
    // Only the second and third documents were pinned by this proposal.
    const outcome = restoreValues("all.yaml", pinned.text, pinned.records.slice(1));
    expect(outcome.text).toBe(text.replace("data: {image: ghcr.io/acme/api:1.4.0}", "data: {image: ghcr.io/acme/api:1.4.1}"));
    expect(outcome.restored.map((change) => change.line)).toEqual([5, 8]);
  });

  it("restores Helm, kustomize and Argo CD values, digests included", () => {
    const digestOld = `sha256:${"a".repeat(64)}`;
    const digestNew = `sha256:${"b".repeat(64)}`;
    const reference = parsed(`ghcr.io/acme/api:1.4.1@${digestNew}`);
    const helm = `api:\n  image:\n    registry: ghcr.io\n    repository: acme/api\n    tag: "1.4.0"\n    digest: ${digestOld}\n`;
    const kustomization = `kind: Kustomization\nimages:\n  - name: ghcr.io/acme/api\n    newTag: 1.4.0 # release\n    digest: '${digestOld}'\n`;
    const argo = [
      "apiVersion: argoproj.io/v1alpha1",
      "kind: Application",
      "spec:",
      "  source:",
      "    kustomize:",
      "      images:",
      `        - api=ghcr.io/acme/api:1.4.0@${digestOld}`,
      "",
    ].join("\n");
    for (const [file, text, kinds] of [
      ["values.yaml", helm, ["helm-tag", "helm-digest"]],
      ["kustomization.yaml", kustomization, ["kustomize-tag", "kustomize-digest"]],
      ["app.yaml", argo, ["argocd-kustomize"]],
    ] as const) {
      const pinned = pin(file, text, reference);
      const outcome = restoreValues(file, pinned.text, pinned.records);
      expect(outcome.text, file).toBe(text);
      expect(outcome.restored.map((change) => change.kind)).toEqual(kinds);
    }
  });

  it("edits an anchored value once, through its aliases", () => {
    const text = "base: &img ghcr.io/acme/api:1.4.0\nspec:\n  containers:\n  - image: *img\n  - image: *img\n";
    const pinned = pin("a.yaml", text);
    const viaBoth: RecordedChange[] = [...pinned.records, { ...pinned.records[0]!, yamlPath: "spec.containers[1].image" }];
    const outcome = restoreValues("a.yaml", pinned.text, viaBoth);
    expect(outcome.text).toBe(text);
    expect(outcome.restored).toHaveLength(1);
    expect(outcome.conflicts).toEqual([]);
  });

  it("quotes a plain value that would stop being a string, and says so", () => {
    const text = "image:\n  repository: ghcr.io/acme/api\n  tag: v2\n";
    const record: RecordedChange = { file: "values.yaml", line: 3, kind: "helm-tag", before: "1.10", after: "v2", document: 0, yamlPath: "image.tag" };
    const outcome = restoreValues("values.yaml", text, [record]);
    expect(outcome.text).toBe('image:\n  repository: ghcr.io/acme/api\n  tag: "1.10"\n');
    expect(outcome.restored).toMatchObject([{ before: "v2", after: "1.10", note: "quoted to keep it a string" }]);
  });

  it("leaves a value someone changed since as a conflict, and restores the rest", () => {
    const text = "spec:\n  containers:\n  - image: ghcr.io/acme/api:1.4.0\n  - image: ghcr.io/acme/api:1.4.0\n";
    const pinned = pin("d.yaml", text);
    const edited = pinned.text.replace(/1\.4\.1\n$/, "1.5.0\n");
    const outcome = restoreValues("d.yaml", edited, pinned.records);
    expect(outcome.text).toBe("spec:\n  containers:\n  - image: ghcr.io/acme/api:1.4.0\n  - image: ghcr.io/acme/api:1.5.0\n");
    expect(outcome.restored.map((change) => change.line)).toEqual([3]);
    expect(outcome.conflicts).toEqual([
      { line: 4, yamlPath: "spec.containers[1].image", expected: "ghcr.io/acme/api:1.4.1", found: "ghcr.io/acme/api:1.5.0", reason: "the value changed since the pin" },
    ]);
  });

  it("does nothing for values already back, and reports values that are gone", () => {
    const text = "spec:\n  containers:\n  - image: ghcr.io/acme/api:1.4.0\n";
    const record: RecordedChange = { file: "d.yaml", line: 3, kind: "container", before: "ghcr.io/acme/api:1.4.0", after: "ghcr.io/acme/api:1.4.1", document: 0, yamlPath: "spec.containers[0].image" };
    expect(restoreValues("d.yaml", text, [record])).toEqual({ restored: [], conflicts: [] });
    const gone = restoreValues("d.yaml", text, [{ ...record, yamlPath: "spec.containers[1].image" }, { ...record, document: 3 }]);
    expect(gone.text).toBeUndefined();
    expect(gone.conflicts).toEqual([
      { line: 3, yamlPath: "spec.containers[1].image", expected: "ghcr.io/acme/api:1.4.1", found: undefined, reason: "the value is no longer at this path" },
      { line: 3, yamlPath: "spec.containers[0].image", expected: "ghcr.io/acme/api:1.4.1", found: undefined, reason: "the file has no document 3 now" },
    ]);
  });

  it("ignores records of other files and refuses unknown kinds", () => {
    const text = "image: ghcr.io/acme/api:1.4.1\n";
    const record: RecordedChange = { file: "x.yaml", line: 1, kind: "image-field", before: "ghcr.io/acme/api:1.4.0", after: "ghcr.io/acme/api:1.4.1", document: 0, yamlPath: "image" };
    expect(restoreValues("other.yaml", text, [record])).toEqual({ restored: [], conflicts: [] });
    const unknown = restoreValues("x.yaml", text, [{ ...record, kind: "made-up" }]);
    expect(unknown.text).toBeUndefined();
    expect(unknown.conflicts).toMatchObject([{ line: 1, found: "ghcr.io/acme/api:1.4.1", reason: 'the recorded kind "made-up" is not one Bender knows' }]);
  });

  it("restores the documents that parse when another one is broken now", () => {
    const text = "image: ghcr.io/acme/api:1.4.1\n---\nimage: [broken\n";
    const records: RecordedChange[] = [
      { file: "x.yaml", line: 1, kind: "image-field", before: "ghcr.io/acme/api:1.4.0", after: "ghcr.io/acme/api:1.4.1", document: 0, yamlPath: "image" },
      { file: "x.yaml", line: 3, kind: "image-field", before: "ghcr.io/acme/api:1.4.0", after: "ghcr.io/acme/api:1.4.1", document: 1, yamlPath: "image" },
    ];
    const outcome = restoreValues("x.yaml", text, records);
    expect(outcome.text).toBe("image: ghcr.io/acme/api:1.4.0\n---\nimage: [broken\n");
    expect(outcome.conflicts).toMatchObject([{ line: 3, found: undefined, reason: expect.stringMatching(/^the file is not valid YAML now/) as unknown }]);
  });

  it("leaves a block scalar alone", () => {
    const text = "image: |\n  ghcr.io/acme/api:1.4.1\n";
    const record: RecordedChange = { file: "x.yaml", line: 1, kind: "image-field", before: "ghcr.io/acme/api:1.4.0", after: "ghcr.io/acme/api:1.4.1", document: 0, yamlPath: "image" };
    expect(restoreValues("x.yaml", text, [record])).toMatchObject({ restored: [], conflicts: [{ reason: expect.stringMatching(/block scalar/) as unknown }] });
  });

  it("refuses the whole file when a restored value would not read back", () => {
    // A single-quoted scalar folds a line break into a space, so "a\nb" cannot be written that way.
    const text = "image: 'ghcr.io/acme/api:1.4.1'\nother: 'ghcr.io/acme/api:1.4.1'\n";
    const records: RecordedChange[] = [
      { file: "x.yaml", line: 1, kind: "image-field", before: "ghcr.io/acme/api:1.4.0", after: "ghcr.io/acme/api:1.4.1", document: 0, yamlPath: "image" },
      { file: "x.yaml", line: 2, kind: "marker-image", before: "a\nb", after: "ghcr.io/acme/api:1.4.1", document: 0, yamlPath: "other" },
    ];
    const outcome = restoreValues("x.yaml", text, records);
    expect(outcome.text).toBeUndefined();
    expect(outcome.restored).toEqual([]);
    expect(outcome.conflicts).toHaveLength(2);
    expect(outcome.conflicts[0]?.reason).toMatch(/^the restored file did not read back as planned \(.+\); the file was left unchanged$/);

    // As a whole document the value parses, folded to "a b": the read-back check catches it.
    const root = restoreValues("r.yaml", "'ghcr.io/acme/api:1.4.1'\n", [{ ...records[1]!, file: "r.yaml", line: 1, yamlPath: "" }]);
    expect(root).toMatchObject({ restored: [], conflicts: [{ line: 1, reason: expect.stringContaining('(line 1 should read "a\nb")') as unknown }] });
  });
});
