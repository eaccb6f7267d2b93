import { describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { benchTree } from "../../bench/sync-cluster/runs.js";
import { readFastYaml } from "../../src/sync/fast-yaml.js";
import { countNodes } from "../../src/sync/parse-manifests.js";

const BUDGET = { maxAliasCount: 100 };

/** What the `yaml` library reads, as parse-manifests.ts uses it: each document's value and node count, or an error. */
function reference(text: string): { value: unknown; nodes: number }[] | "error" {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents) || documents.some((document) => document.errors.length > 0)) return "error";
  try {
    return documents.map((document) => ({ value: document.toJS({ maxAliasCount: 100 }), nodes: countNodes(document) }));
  } catch {
    return "error";
  }
}

/** The property: whatever the fast path accepts, it reads exactly as `yaml` does (values, -0 and key order included). */
function checkSame(text: string): boolean {
  const fast = readFastYaml(text, BUDGET);
  if (fast === undefined) return false;
  const expected = reference(text);
  const aliases = parseAllDocuments(text) as unknown as { toString(): string; contents: unknown }[];
  expect(fast.map((document) => document.shared)).toEqual(aliases.map((document) => /(?:^|[\s:-])\*[A-Za-z0-9_-]+$/mu.test(String(document.toString()))));
  expect({ text, read: expected }).toEqual({ text, read: fast.map((document) => ({ value: document.value, nodes: document.nodes })) });
  for (const [index, document] of fast.entries()) {
    expect(Object.keys(document.value)).toEqual(Object.keys((expected as { value: object }[])[index]!.value));
  }
  return true;
}

/** A small seeded generator (mulberry32), so a failure names an input that can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Scalars written as they are, unquoted: the ones most manifests hold, then numbers in every YAML form, timestamps,
// YAML 1.1 booleans, indicators and comments.
const SAFE_SCALARS = ["web", "nginx:1.25", "a,b,c", "a b c", "--flag=1", "-Xmx1g", "8080", "0.5", "true", "~", "'quoted'", "\"quoted\"", "500Mi", "10.0.0.0/8"];
const RAW_SCALARS = [
  "64Mi", "1.5Gi", "500m", "1e", "1E", "0x", "0xff", "0xFFm", "0o7", "0o", "10.0.0.1", "10.0.0.0/8", "1.2.3", "1.2", "1.2e3", "1.2.3e4", "5e-3", "--flag", "-Xmx1g", "-.5", "-e1", "--", "---", "- -", "web", "nginx:1.25", "registry.example.com/app@sha256:abc", "a,b,c", "a b c", "http://x.example/y?z=1", "~", "null", "Null", "NULL",
  "true", "True", "TRUE", "false", "yes", "no", "on", "off", "y", "n", "0", "7", "-7", "+7", "-0", "007", "014", "0o14", "0x1F", "1_000",
  "1e3", "1.5", "-1.5", "1.", ".5", "1.0", "0.10", "123456789012345", "1234567890123456", ".inf", "-.inf", ".nan", "NaN", "2024-01-01",
  "2001-12-14t21:59:43.10-05:00", "12:30", "1:30:00", "'single'", "'it''s'", "'broken", "\"double\"", "\"esc\\n\"", "\"a\"b\"", "\"\"", "''",
  "&anchor value", "*alias", "!!str 1", "!tag x", "|", ">", "|-", "[a, b]", "{a: 1}", "[]", "{}", "#comment", "value # comment", "a#b",
  "a: b", "key:", "-", "- item", "-dash", "?q", ":colon", "%pct", "@at", "`tick", "<<", "=", "~tilde", "x y: z", "trailing  ", "ünïcødé", "5m",
  "500Mi", "0.5", "100m", "__proto__", "constructor",
];
const RAW_KEYS = [
  "name", "image", "app.kubernetes.io/name", "_under", "with-dash", "a1", "true", "null", "on", "1", "-x", "<<", "__proto__", "\"quoted\"",
  "\"a: b\"", "\"__proto__\"", "'single'", "a b", "a:b", "constructor", "Key", "ports", "x.y", "? complex",
];

interface Style { indent: number; compactSeq: boolean; dashSpaces: number; comments: boolean }

function rawYaml(next: () => number, depth: number, indent: number, style: Style, lines: string[]): void {
  const pick = <T,>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const pad = " ".repeat(indent);
  const count = 1 + Math.floor(next() * 4);
  const isSequence = depth > 0 && next() < 0.3;
  for (let index = 0; index < count; index += 1) {
    if (style.comments && next() < 0.1) lines.push(`${pad}# a comment: with - things`);
    if (style.comments && next() < 0.05) lines.push("");
    const nested = depth < 4 && next() < 0.4;
    if (isSequence) {
      const dash = `${pad}-${" ".repeat(style.dashSpaces)}`;
      if (nested && next() < 0.6) {
        // `- key: value` then the rest of the mapping under it.
        const inner: string[] = [];
        rawYaml(next, depth + 1, indent + 1 + style.dashSpaces, style, inner);
        const first = inner.findIndex((line) => line.trim() !== "" && !line.trim().startsWith("#"));
        inner[first] = `${dash}${inner[first]!.trimStart()}`;
        lines.push(...inner);
      } else if (nested) {
        lines.push(`${pad}-`);
        rawYaml(next, depth + 1, indent + style.indent, style, lines);
      } else lines.push(`${dash}${pick(next() < 0.75 ? SAFE_SCALARS : RAW_SCALARS)}`);
    } else {
      const key = next() < 0.85 ? pick(RAW_KEYS.slice(0, 8)) + (next() < 0.5 ? String(index) : "") : pick(RAW_KEYS);
      if (nested) {
        lines.push(`${pad}${key}:`);
        const childIndent = style.compactSeq && next() < 0.5 ? indent : indent + style.indent;
        rawYaml(next, depth + 1, childIndent, style, lines);
      } else lines.push(`${pad}${key}: ${pick(next() < 0.75 ? SAFE_SCALARS : RAW_SCALARS)}`);
    }
  }
}

function scalarValue(next: () => number): unknown {
  const values: unknown[] = [
    "web", "1.0", "true", "null", "", " ", "a: b", "x #y", "multi\nline", "tab\there", "quote\"d", "back\\slash", "'", "-", "- a", "012", "0o7",
    "1_000", "2024-01-01", "~", "<<", "*x", "&y", "!z", "%p", "@a", "`b", "{c}", "[d]", "é", 0, 1, -1, 42, 3.5, -0.25, 1e21, 2 ** 53, true, false, null,
  ];
  return values[Math.floor(next() * values.length)];
}

/** A random tree; parts already made are sometimes used again, which yaml's stringify writes as anchors and aliases. */
function tree(next: () => number, depth: number, made: unknown[] = []): unknown {
  const roll = next();
  if (made.length > 0 && roll < 0.1) return made[Math.floor(next() * made.length)];
  if (depth > 3 || roll < 0.45) return scalarValue(next);
  if (roll < 0.7) {
    const items = Array.from({ length: Math.floor(next() * 4) }, () => tree(next, depth + 1, made));
    made.push(items);
    return items;
  }
  const keys = ["name", "labels", "spec", "image", "ports", "true", "1", "a b", "x:y", "app.kubernetes.io/name", "on", "<<"];
  const map = Object.fromEntries(Array.from({ length: Math.floor(next() * 5) }, (_, index) => [`${keys[Math.floor(next() * keys.length)]!}${next() < 0.5 ? "" : index}`, tree(next, depth + 1, made)]));
  made.push(map);
  return map;
}

describe("the fast YAML path", () => {
  it("reads every file of the 1,000-object bench tree, exactly as yaml does", () => {
    const files = new Map<string, string[]>();
    for (const object of benchTree()) files.set(object.source, [...(files.get(object.source) ?? []), stringify(object.manifest)]);
    for (const documents of files.values()) expect(checkSame(documents.join("---\n"))).toBe(true);
  });

  it("reads kustomize-style output (sequences not indented under their key, `---` between documents)", () => {
    const text = [
      "apiVersion: v1", "kind: Service", "metadata:", "  labels:", "    app: web", "  name: web", "spec:", "  ports:", "  - port: 80",
      "    targetPort: 8080", "  selector:", "    app: web", "---", "apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: web",
      "spec:", "  template:", "    spec:", "      containers:", "      - args:", "        - --flag", "        - \"--quoted=1\"", "        image: nginx:1.25",
      "        name: web", "        resources:", "          limits:", "            cpu: 0.5", "            memory: 64Mi", "",
    ].join("\n");
    expect(checkSame(text)).toBe(true);
    expect(readFastYaml(text, BUDGET)).toHaveLength(2);
  });

  it("leaves to yaml what it does not read the same way: numbers in other forms, timestamps, anchors, tags, merge keys, flow and block scalars", () => {
    for (const value of ["0o14", "014", "1_000", "1e3", ".5", "+1", "-0", "2024-01-01", "*a", "&a *a", "!!str 1", "[a]", "{a: 1}", "|", ">-", "\"a\\nb\"", "a #b"]) {
      expect(readFastYaml(`apiVersion: v1\nkey: ${value}\n`, BUDGET), value).toBeUndefined();
    }
    for (const text of ["a: 1\n<<: {b: 2}\n", "a: 1\na: 2\n", "__proto__: 1\n", "a: 1\r\n", "a:\n\tb: 1\n", "a: 1\n---\n", "- a\n", "x\n", "", "%YAML 1.2\n---\na: 1\n", "a: {{ .Values.x }}\n", "a: |\n  text\n", "a: plain\n  continued\n"]) {
      expect(readFastYaml(text, BUDGET), JSON.stringify(text)).toBeUndefined();
    }
  });

  it("shares what an alias names, as yaml does, and leaves to yaml a document whose aliases could pass the alias budget", () => {
    const text = "metadata:\n  labels: &labels\n    app: web\nspec:\n  selector: *labels\n  items:\n  - *labels\n  - &name web\n  - *name\n";
    expect(checkSame(text)).toBe(true);
    const [document] = readFastYaml(text, BUDGET)!;
    const value = document!.value as { metadata: { labels: object }; spec: { selector: object; items: unknown[] } };
    expect(value.spec.selector).toBe(value.metadata.labels);
    expect(value.spec.items).toEqual([{ app: "web" }, "web", "web"]);
    expect(document!.shared).toBe(true);
    // The fast path's bound is cautious: 60 uses of a two-scalar anchor might pass yaml's count of 100, so yaml
    // reads it (and finds it within); 101 uses of one scalar are over it, and yaml refuses them.
    const many = `a: &x\n  k: v\nlist:\n${"- *x\n".repeat(60)}`;
    expect(readFastYaml(many, BUDGET)).toBeUndefined();
    expect(reference(many)).not.toBe("error");
    const tooMany = `a: &x v\nlist:\n${"- *x\n".repeat(101)}`;
    expect(readFastYaml(tooMany, BUDGET)).toBeUndefined();
    expect(reference(tooMany)).toBe("error");
    expect(checkSame(`a: &x\n  k: v\nlist:\n${"- *x\n".repeat(40)}`)).toBe(true);
    // An alias to an anchor not yet defined, an anchor defined twice, an alias inside an anchor: yaml decides.
    for (const other of ["a: *x\nb: &x 1\n", "a: &x 1\nb: &x 2\n", "a: &x 1\nb: &y\n  c: *x\nd: *y\n"]) expect(readFastYaml(other, BUDGET)).toBeUndefined();
  });

  it("agrees with yaml on every input it accepts, over thousands of generated texts written by hand (property)", () => {
    let accepted = 0;
    const total = 4000;
    for (let seed = 1; seed <= total; seed += 1) {
      const next = random(seed);
      const style: Style = { indent: [2, 3, 4][Math.floor(next() * 3)]!, compactSeq: next() < 0.5, dashSpaces: next() < 0.8 ? 1 : 3, comments: next() < 0.5 };
      const documents = Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
        const lines: string[] = [];
        rawYaml(next, 0, 0, style, lines);
        return lines.join("\n");
      });
      const text = `${next() < 0.2 ? "---\n" : ""}${documents.join("\n---\n")}\n`;
      try {
        if (checkSame(text)) accepted += 1;
      } catch (error) {
        throw new Error(`seed ${seed}:\n${text}\n${(error as Error).message}`);
      }
    }
    // The generator writes many things the fast path leaves to yaml; enough must still be accepted to test it.
    expect(accepted).toBeGreaterThan(total / 20);
  });

  it("agrees with yaml on every input it accepts, over thousands of trees written by yaml's stringify in several styles (property)", () => {
    let accepted = 0;
    const total = 3000;
    for (let seed = 1; seed <= total; seed += 1) {
      const next = random(seed * 7919);
      const value = { apiVersion: "v1", kind: "ConfigMap", data: tree(next, 0) };
      const text = stringify(value, { indent: next() < 0.5 ? 2 : 4, indentSeq: next() < 0.5 });
      try {
        if (checkSame(text)) accepted += 1;
      } catch (error) {
        throw new Error(`seed ${seed}:\n${text}\n${(error as Error).message}`);
      }
    }
    expect(accepted).toBeGreaterThan(total / 10);
  });
});
