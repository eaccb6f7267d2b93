import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_FILE_BYTES, bumpDirectory } from "../../src/manifests/io/bump-directory.js";
import { parsed } from "../support/references.js";

const target = parsed("ghcr.io/acme/api:1.4.1");
const DEPLOYMENT = "spec:\n  containers:\n  - image: ghcr.io/acme/api:1.4.0\n";

let root: string;
let outside: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "bender-tree-"));
  outside = await mkdtemp(path.join(tmpdir(), "bender-outside-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function put(relative: string, content: string | Buffer): Promise<string> {
  const file = path.join(root, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

describe("bumpDirectory", () => {
  it("skips dot-folders and node_modules, and reports files with / separators in order", async () => {
    await put("b/deploy.yaml", DEPLOYMENT);
    await put("a/deep/er/deploy.yml", DEPLOYMENT);
    await put(".github/workflows/ci.yaml", DEPLOYMENT);
    await put("node_modules/x/deploy.yaml", DEPLOYMENT);
    await put("notes.txt", DEPLOYMENT);

    const result = await bumpDirectory({ root, target, write: true });

    expect(result.changes.map((change) => change.file)).toEqual(["a/deep/er/deploy.yml", "b/deploy.yaml"]);
    expect(await readFile(path.join(root, ".github/workflows/ci.yaml"), "utf8")).toBe(DEPLOYMENT);
    expect(await readFile(path.join(root, "node_modules/x/deploy.yaml"), "utf8")).toBe(DEPLOYMENT);
    expect(await readFile(path.join(root, "notes.txt"), "utf8")).toBe(DEPLOYMENT);
    expect(await readFile(path.join(root, "b/deploy.yaml"), "utf8")).toContain("ghcr.io/acme/api:1.4.1");
  });

  it("never follows a symbolic link out of the root, and reaches one inside by its real path only", async () => {
    await writeFile(path.join(outside, "secret.yaml"), DEPLOYMENT);
    await symlink(path.join(outside, "secret.yaml"), path.join(root, "linked.yaml"));
    await symlink(outside, path.join(root, "linked-dir"));
    await put("real/deploy.yaml", DEPLOYMENT);
    await symlink(path.join(root, "real"), path.join(root, "alias-dir"));

    const result = await bumpDirectory({ root, target, write: true });

    expect(await readFile(path.join(outside, "secret.yaml"), "utf8")).toBe(DEPLOYMENT);
    expect(result.changes.map((change) => change.file)).toEqual(["real/deploy.yaml"]);
    expect(result.skipped).toMatchObject([
      { file: "linked-dir", code: "outside-root" },
      { file: "linked.yaml", code: "outside-root" },
    ]);
  });

  it("reports a bad file and goes on with the rest", async () => {
    await put("a-broken.yaml", "image: ghcr.io/acme/api:1.4.0\n  bad: [indent\n");
    await put("b-latin1.yaml", Buffer.concat([Buffer.from("image: ghcr.io/acme/api:1.4.0 # caf"), Buffer.from([0xe9]), Buffer.from("\n")]));
    await put("c-good.yaml", DEPLOYMENT);

    const result = await bumpDirectory({ root, target, write: true });

    expect(result.skipped.map((skip) => [skip.file, skip.code])).toEqual([
      ["a-broken.yaml", "invalid-yaml"],
      ["b-latin1.yaml", "not-utf8"],
    ]);
    expect(result.changes.map((change) => change.file)).toEqual(["c-good.yaml"]);
    expect((await readFile(path.join(root, "b-latin1.yaml")).then((bytes) => bytes.includes(0xe9)))).toBe(true);
  });

  it("skips files too large to be hand-written manifests", async () => {
    await put("huge.yaml", `image: ghcr.io/acme/api:1.4.0\n${"#".repeat(MAX_FILE_BYTES)}\n`);
    const result = await bumpDirectory({ root, target, write: true });
    expect(result.changes).toEqual([]);
    expect(result.skipped).toMatchObject([{ file: "huge.yaml", code: "too-large" }]);
  });

  it("writes nothing in a dry run but returns the same edits", async () => {
    const file = await put("deploy.yaml", DEPLOYMENT);
    const result = await bumpDirectory({ root, target, write: false });
    expect(await readFile(file, "utf8")).toBe(DEPLOYMENT);
    expect(result.edits).toEqual([{ file: "deploy.yaml", before: DEPLOYMENT, after: DEPLOYMENT.replace("1.4.0", "1.4.1") }]);
  });

  it("keeps file permissions and leaves no temporary files", async () => {
    const file = await put("deploy.yaml", DEPLOYMENT);
    await chmod(file, 0o640);
    await bumpDirectory({ root, target, write: true });
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readdir(root)).toEqual(["deploy.yaml"]);
  });
});
