import { describe, expect, it } from "vitest";
import { bumpFile } from "../../src/manifests/index.js";
import { readsBackAsString, renderScalar } from "../../src/manifests/render-scalar.js";
import { parsed } from "../support/references.js";

const target = parsed("ghcr.io/acme/api:1.4.1");

describe("bumpFile", () => {
  it("changes only the value's bytes and reports file, line, kind, path", () => {
    const text = "# top\nspec:\n  containers:\n    - name: api   # the api\n      image: 'ghcr.io/acme/api:1.4.0'  # pinned\n";
    const outcome = bumpFile("deploy.yaml", text, target);
    expect(outcome.text).toBe(text.replace("1.4.0", "1.4.1"));
    expect(outcome.changes).toEqual([
      {
        file: "deploy.yaml",
        line: 5,
        kind: "container",
        before: "ghcr.io/acme/api:1.4.0",
        after: "ghcr.io/acme/api:1.4.1",
        document: 0,
        yamlPath: "spec.containers[0].image",
      },
    ]);
  });

  it("does not parse a file the screen rules out", () => {
    // Invalid YAML that would be reported if it were parsed.
    expect(bumpFile("x.yaml", "apiVersion: [unclosed, ghcr.io/acme/api-worker\n", target)).toEqual({ changes: [], skipped: [] });
    expect(bumpFile("x.yaml", "apiVersion: [unclosed, ghcr.io/acme/api\n", target).skipped).toMatchObject([{ code: "invalid-yaml" }]);
  });

  it("names the line of a YAML error", () => {
    const outcome = bumpFile("x.yaml", "image: ghcr.io/acme/api:1\nb: c: d\ne: f\n", target);
    expect(outcome.text).toBeUndefined();
    expect(outcome.skipped[0]?.reason).toMatch(/line 2/);
  });

  it("survives a billion-laughs document without expanding it", () => {
    const levels = ["a: &a [api, api, api, api, api, api, api, api, api]"];
    for (let level = 1; level < 12; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]`);
    }
    const text = `${levels.join("\n")}\nimage: ghcr.io/acme/api:1.4.0\nalso: *l\n`;
    const before = process.memoryUsage().heapUsed;
    const outcome = bumpFile("bomb.yaml", text, target);
    // 9^12 nodes if expanded: this would need terabytes; walking the AST needs kilobytes.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
    expect(outcome.changes).toMatchObject([{ line: 13, kind: "image-field" }]);
  });

  it("edits an anchored value once for all its aliases", () => {
    const text = "base: &img ghcr.io/acme/api:1.4.0\nspec:\n  containers:\n  - image: *img\n  - image: *img\n";
    const outcome = bumpFile("a.yaml", text, target);
    expect(outcome.changes).toHaveLength(1);
    expect(outcome.changes[0]?.line).toBe(1);
    expect(outcome.text).toBe(text.replace("1.4.0", "1.4.1"));
  });

  it("refuses to edit a block scalar and says how to fix it", () => {
    const outcome = bumpFile("a.yaml", "spec:\n  containers:\n  - image: |\n      ghcr.io/acme/api:1.4.0\n", target);
    expect(outcome.text).toBeUndefined();
    expect(outcome.skipped).toMatchObject([{ line: 3, code: "unsupported-scalar" }]);
  });

  it("keeps a plain tag a string under YAML 1.1 and 1.2", () => {
    const outcome = bumpFile("values.yaml", "image:\n  repository: ghcr.io/acme/api\n  tag: 1.4\n", parsed("ghcr.io/acme/api:1.10"));
    expect(outcome.text).toBe('image:\n  repository: ghcr.io/acme/api\n  tag: "1.10"\n');
    expect(outcome.changes[0]).toMatchObject({ before: "1.4", after: "1.10", note: "quoted to keep it a string" });
  });

  it("reports nothing for a file that already runs the target", () => {
    expect(bumpFile("a.yaml", "image: ghcr.io/acme/api:1.4.1\n", target)).toEqual({ changes: [], skipped: [], current: 1 });
  });
});

describe("renderScalar", () => {
  it.each([
    ["1.4.1", false],
    ["1.10", true],
    ["20240101", true],
    ["yes", true], // a boolean in YAML 1.1, which Kubernetes reads
    ["on", true],
    ["0755", true],
    ["v1.10", false],
    ["", true],
  ])("writes %s plain unless it would stop being a string (quoted: %s)", (value, quoted) => {
    expect(readsBackAsString(value)).toBe(!quoted);
    expect(renderScalar("PLAIN", value)).toEqual({ source: quoted ? JSON.stringify(value) : value, quoted });
  });

  it("keeps single and double quotes", () => {
    expect(renderScalar("QUOTE_SINGLE", "a'b").source).toBe("'a''b'");
    expect(renderScalar("QUOTE_DOUBLE", "1.10").source).toBe('"1.10"');
  });
});

describe("an untagged image: beside a tag: key", () => {
  it("changes the tag and leaves the image untagged, since the chart joins them", () => {
    const text = "api:\n  image: ghcr.io/acme/api\n  tag: 1.4.0\n";
    const outcome = bumpFile("values.yaml", text, parsed("ghcr.io/acme/api:1.4.1"));
    expect(outcome.text).toBe("api:\n  image: ghcr.io/acme/api\n  tag: 1.4.1\n");
    expect(outcome.changes).toMatchObject([{ line: 3, kind: "helm-tag", before: "1.4.0", after: "1.4.1" }]);
  });

  it("still treats a tagged image: beside an unrelated tag: as a full reference", () => {
    const text = "api:\n  image: ghcr.io/acme/api:1.4.0\n  tag: v2-schema\n";
    const outcome = bumpFile("values.yaml", text, parsed("ghcr.io/acme/api:1.4.1"));
    expect(outcome.text).toBe("api:\n  image: ghcr.io/acme/api:1.4.1\n  tag: v2-schema\n");
  });
});
