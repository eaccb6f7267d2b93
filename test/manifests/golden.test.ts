/**
 * Golden tests for the manifest engine: every folder under test/fixtures/bump
 * holds a tree before (`original/`), the whole tree after (`expected/`) and the
 * report the engine must give (`case.json`). The cases were written by hand from
 * the SPEC, independently of the engine, so they check it rather than mirror it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { cp, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseReference } from "../../src/image-ref/index.js";
import type { ImageReference } from "../../src/image-ref/index.js";
import { bumpDirectory } from "../../src/manifests/io/bump-directory.js";

interface CaseChange {
  file: string;
  line: number;
  kind: string;
  before: string;
  after: string;
  note?: string;
}

interface CaseSkipped {
  file: string;
  code: string;
  line?: number;
}

interface GoldenCase {
  reference: string;
  description: string;
  changes: CaseChange[];
  skipped: CaseSkipped[];
}

interface ReportedChange {
  readonly file: string;
  readonly line: number;
  readonly kind: string;
  readonly before: string;
  readonly after: string;
  readonly note?: string | undefined;
}

interface ReportedSkipped {
  readonly file: string;
  readonly line?: number | undefined;
  readonly code: string;
}

const fixturesRoot = fileURLToPath(new URL("../fixtures/bump/", import.meta.url));

const caseNames = readdirSync(fixturesRoot, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function loadCase(name: string): GoldenCase {
  return JSON.parse(readFileSync(path.join(fixturesRoot, name, "case.json"), "utf8")) as GoldenCase;
}

function target(reference: string): ImageReference {
  const parsed = parseReference(reference);
  if (!parsed.ok) throw new Error(`case reference ${reference} does not parse: ${parsed.error.message}`);
  return parsed.reference;
}

/** Every file under `root` (dot-folders and node_modules included), keyed by `/`-separated relative path. */
async function readTree(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  async function walk(dir: string, prefix: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(full, rel);
      else files.set(rel, await readFile(full));
    }
  }
  await walk(root, "");
  return files;
}

/** Text with line endings and a BOM made visible, so a failing diff shows them. */
function visible(buffer: Buffer): string {
  return buffer.toString("utf8").replace(/\uFEFF/g, "<BOM>").replace(/\r/g, "<CR>");
}

/** Asserts the tree at `actualRoot` equals the tree at `expectedRoot` byte for byte. */
async function expectSameTree(actualRoot: string, expectedRoot: string): Promise<void> {
  const actual = await readTree(actualRoot);
  const expected = await readTree(expectedRoot);
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [file, expectedBytes] of expected) {
    const actualBytes = actual.get(file);
    if (actualBytes === undefined) continue;
    if (!actualBytes.equals(expectedBytes)) {
      expect(visible(actualBytes), `content of ${file}`).toBe(visible(expectedBytes));
      expect(actualBytes.equals(expectedBytes), `bytes of ${file}`).toBe(true);
    }
  }
}

/** The reported changes, reduced to what the case states (note only where the case gives one). */
function projectChanges(reported: readonly ReportedChange[], expected: readonly CaseChange[]): CaseChange[] {
  return reported.map((change, index) => {
    const projected: CaseChange = {
      file: change.file,
      line: change.line,
      kind: change.kind,
      before: change.before,
      after: change.after,
    };
    if (expected[index]?.note !== undefined) projected.note = change.note;
    return projected;
  });
}

/** The reported skips, reduced to file, code and (where the case gives one) line. */
function projectSkipped(reported: readonly ReportedSkipped[], expected: readonly CaseSkipped[]): CaseSkipped[] {
  return reported.map((skip, index) => {
    const projected: CaseSkipped = { file: skip.file, code: skip.code };
    if (expected[index]?.line !== undefined) projected.line = skip.line;
    return projected;
  });
}

async function withTempCopy<T>(source: string, run: (tree: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), "bender-golden-"));
  const tree = path.join(dir, "tree");
  try {
    await cp(source, tree, { recursive: true });
    return await run(tree);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("bump golden cases", () => {
  it("finds the cases", () => {
    expect(caseNames.length).toBeGreaterThanOrEqual(20);
  });

  it.each(caseNames)("%s", async (name) => {
    const golden = loadCase(name);
    const original = path.join(fixturesRoot, name, "original");
    const expectedTree = path.join(fixturesRoot, name, "expected");
    const reference = target(golden.reference);

    // write: true rewrites the tree into expected/ and reports exactly the case's changes.
    await withTempCopy(original, async (tree) => {
      const result = await bumpDirectory({ root: tree, target: reference, write: true });
      expect(projectChanges(result.changes, golden.changes), "changes (write: true)").toEqual(golden.changes);
      expect(projectSkipped(result.skipped, golden.skipped), "skipped (write: true)").toEqual(golden.skipped);
      await expectSameTree(tree, expectedTree);

      // Idempotence: bumping the bumped tree again changes nothing.
      const again = await bumpDirectory({ root: tree, target: reference, write: true });
      expect(again.changes, "changes on the second run").toEqual([]);
      await expectSameTree(tree, expectedTree);
    });

    // write: false reports the same changes and leaves every byte alone.
    await withTempCopy(original, async (tree) => {
      const result = await bumpDirectory({ root: tree, target: reference, write: false });
      expect(projectChanges(result.changes, golden.changes), "changes (write: false)").toEqual(golden.changes);
      expect(projectSkipped(result.skipped, golden.skipped), "skipped (write: false)").toEqual(golden.skipped);
      await expectSameTree(tree, original);
    });
  });
});
