import * as fs from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bumpDirectory } from "../../src/manifests/io/bump-directory.js";
import type { FileSystem } from "../../src/manifests/io/file-system.js";
import { temporaryName } from "../../src/manifests/io/write-files.js";
import { parsed } from "../support/references.js";

const target = parsed("ghcr.io/acme/api:1.4.1");
const DEPLOYMENT = "spec:\n  containers:\n  - image: ghcr.io/acme/api:1.4.0\n";
const FILES = ["a/deploy.yaml", "b/deploy.yaml", "c/deploy.yaml"];

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "bender-writer-"));
  for (const file of FILES) {
    await mkdir(path.join(root, path.dirname(file)), { recursive: true });
    await writeFile(path.join(root, file), DEPLOYMENT);
  }
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every file under the root with its text: the whole tree, temporary files included. */
async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const absolute = path.join(entry.parentPath, entry.name);
    out[path.relative(root, absolute)] = await readFile(absolute, "utf8");
  }
  return out;
}

/** node:fs with one call failing, on the nth time it is made for a path matching `where`. */
function failing(call: "writeSync" | "renameSync" | "readdirSync", where: RegExp, code: string, nth = 1): FileSystem {
  let seen = 0;
  const fail = (subject: string): void => {
    if (where.test(subject) && ++seen === nth) throw Object.assign(new Error(`${code}: injected`), { code });
  };
  const descriptors = new Map<number, string>();
  return {
    ...fs,
    openSync: ((file: string, ...rest: never[]) => {
      const descriptor = (fs.openSync as (...args: unknown[]) => number)(file, ...rest);
      descriptors.set(descriptor, file);
      return descriptor;
    }) as typeof fs.openSync,
    writeSync: ((descriptor: number, ...rest: never[]) => {
      if (call === "writeSync") fail(descriptors.get(descriptor) ?? "");
      return (fs.writeSync as (...args: unknown[]) => number)(descriptor, ...rest);
    }) as typeof fs.writeSync,
    renameSync: ((from: string, to: string) => {
      if (call === "renameSync") fail(to);
      fs.renameSync(from, to);
    }) as typeof fs.renameSync,
    readdirSync: ((directory: string, options: never) => {
      if (call === "readdirSync") fail(directory);
      return fs.readdirSync(directory, options);
    }) as typeof fs.readdirSync,
  };
}

describe("the directory writer under failure", () => {
  it("a temporary file that cannot be written: nothing written, every file reported, no temporary file left", async () => {
    const before = await snapshot();
    const result = await bumpDirectory({ root, target, write: true, fileSystem: failing("writeSync", /[/]b[/]\.deploy\.yaml\.bender-/, "ENOSPC") });
    expect(result.write).toEqual({
      written: [],
      notWritten: [
        { file: "a/deploy.yaml", reason: "writing b/deploy.yaml failed first, so nothing was replaced" },
        { file: "b/deploy.yaml", reason: "cannot write a temporary file beside it: ENOSPC" },
        { file: "c/deploy.yaml", reason: "writing b/deploy.yaml failed first, so nothing was replaced" },
      ],
    });
    expect(await snapshot()).toEqual(before);
  });

  it("a rename that fails: the files already renamed are put back, and the tree is as it was", async () => {
    const before = await snapshot();
    const result = await bumpDirectory({ root, target, write: true, fileSystem: failing("renameSync", /[/]c[/]deploy\.yaml$/, "EBUSY") });
    expect(result.write).toEqual({
      written: [],
      notWritten: [
        { file: "a/deploy.yaml", reason: "written, then put back as it was because c/deploy.yaml could not be replaced" },
        { file: "b/deploy.yaml", reason: "written, then put back as it was because c/deploy.yaml could not be replaced" },
        { file: "c/deploy.yaml", reason: "cannot replace it: EBUSY" },
      ],
    });
    expect(await snapshot()).toEqual(before);
  });

  it("a put-back that fails too is reported as written (the truth on disk)", async () => {
    // The 1st rename to a/deploy.yaml succeeds, c's fails, and the 2nd rename to a/deploy.yaml (the put-back) fails.
    let renames = 0;
    const flaky: FileSystem = {
      ...fs,
      renameSync: ((from: string, to: string) => {
        if (/[/]c[/]deploy\.yaml$/.test(to) || (/[/]a[/]deploy\.yaml$/.test(to) && ++renames === 2)) throw Object.assign(new Error("EIO"), { code: "EIO" });
        fs.renameSync(from, to);
      }) as typeof fs.renameSync,
    };
    const result = await bumpDirectory({ root, target, write: true, fileSystem: flaky });
    expect(result.write?.written).toEqual(["a/deploy.yaml"]);
    expect(result.write?.notWritten.map((entry) => entry.file)).toEqual(["b/deploy.yaml", "c/deploy.yaml"]);
    const tree = await snapshot();
    expect(tree["a/deploy.yaml"]).toContain("api:1.4.1");
    expect(tree["b/deploy.yaml"]).toBe(DEPLOYMENT);
    expect(Object.keys(tree).sort()).toEqual(FILES);
  });

  it("writes every file when nothing fails (the control), and reports them", async () => {
    const result = await bumpDirectory({ root, target, write: true });
    expect(result.write).toEqual({ written: FILES, notWritten: [] });
    expect(Object.values(await snapshot())).toEqual(FILES.map(() => DEPLOYMENT.replace("1.4.0", "1.4.1")));
  });
});

describe("ownership, modes and read-only files", () => {
  it("keeps a file's owner, group and mode (a 1000:1000 0640 file stays so when root bumps it)", async () => {
    const file = path.join(root, "a/deploy.yaml");
    await chown(file, 1000, 1000);
    await chmod(file, 0o640);
    await bumpDirectory({ root, target, write: true });
    const info = await stat(file);
    expect([info.uid, info.gid, info.mode & 0o7777]).toEqual([1000, 1000, 0o640]);
    expect(await readFile(file, "utf8")).toContain("api:1.4.1");
  });

  it("refuses a read-only file with a reason and writes the others", async () => {
    const file = path.join(root, "b/deploy.yaml");
    await chmod(file, 0o444);
    const result = await bumpDirectory({ root, target, write: true });
    expect(result.skipped).toEqual([{ file: "b/deploy.yaml", code: "read-only", reason: "the file is read-only (mode 444); make it writable for Bender to change it" }]);
    expect(result.changes.map((change) => change.file)).toEqual(["a/deploy.yaml", "c/deploy.yaml"]);
    expect(await readFile(file, "utf8")).toBe(DEPLOYMENT);
    expect(result.write?.written).toEqual(["a/deploy.yaml", "c/deploy.yaml"]);
  });

  it("skips a folder it cannot list, with a reason, and goes on", async () => {
    const result = await bumpDirectory({ root, target, write: true, fileSystem: failing("readdirSync", /[/]b$/, "EACCES") });
    expect(result.skipped).toEqual([{ file: "b", code: "unreadable", reason: "this folder cannot be read: EACCES; nothing in it was looked at" }]);
    expect(result.write?.written).toEqual(["a/deploy.yaml", "c/deploy.yaml"]);
  });
});

describe("temporary files", () => {
  it("have random names beside their targets, short enough for any file name", () => {
    const names = new Set(Array.from({ length: 50 }, () => temporaryName("/tree/deploy.yaml")));
    expect(names.size).toBe(50);
    for (const name of names) expect(name).toMatch(/^\/tree\/\.deploy\.yaml\.bender-[0-9a-f]{16}\.tmp$/);
    expect(path.basename(temporaryName(`/tree/${"x".repeat(250)}.yaml`)).length).toBeLessThan(100);
  });

  it("left by a killed run, do not break a later run, even under the very name it draws first", async () => {
    const stale = path.join(root, "a/.deploy.yaml.bender-stale.tmp");
    await writeFile(stale, "half a file");
    await writeFile(path.join(root, "a/.deploy.yaml.bender-1.tmp"), "a PID-named file from an older Bender");
    const names = ["stale", "fresh1", "fresh2", "fresh3"];
    const result = await bumpDirectory({ root, target, write: true, random: () => names.shift() ?? "later" });
    expect(result.write).toEqual({ written: FILES, notWritten: [] });
    expect(await readFile(stale, "utf8")).toBe("half a file");
    expect(await readFile(path.join(root, "a/deploy.yaml"), "utf8")).toContain("api:1.4.1");
  });

  it("can be written for a file whose name is near the 255-byte limit", async () => {
    const long = `${"l".repeat(245)}.yaml`;
    await writeFile(path.join(root, long), DEPLOYMENT);
    const result = await bumpDirectory({ root, target, write: true });
    expect(result.write?.written).toContain(long);
  });
});
