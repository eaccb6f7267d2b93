import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { parseConfig, renderProblems } from "../../src/config/index.js";
import { CONFIG_SCHEMA_URL } from "../../src/setup/starter-config.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CONFIG_KEYS = ["environments", "images", "mergeMethod"];

interface Snippet {
  readonly where: string;
  readonly text: string;
  /** From `<!-- bender.yml: partial|invalid … -->` on the line before the fence. */
  readonly marker: "partial" | "invalid" | undefined;
}

/** Every fenced YAML block of docs/*.md and README.md that is (or claims to be) a .github/bender.yml. */
function configSnippets(): Snippet[] {
  const files = [...readdirSync(path.join(ROOT, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`), "README.md"];
  const snippets: Snippet[] = [];
  for (const file of files) {
    const text = readFileSync(path.join(ROOT, file), "utf8");
    for (const match of text.matchAll(/(?<before>[^\n]*)\n```ya?ml[^\n]*\n(?<body>[\s\S]*?)```/g)) {
      const body = match.groups?.body ?? "";
      const marker = match.groups?.before?.match(/^<!-- bender\.yml: (?<kind>partial|invalid)\b/)?.groups?.kind as Snippet["marker"];
      let data: unknown;
      try {
        data = parse(body);
      } catch {
        data = undefined;
      }
      const looksLikeConfig = typeof data === "object" && data !== null && !Array.isArray(data) && Object.keys(data).some((key) => CONFIG_KEYS.includes(key));
      if (!looksLikeConfig && !marker && !/bender\.schema\.json/.test(body)) continue;
      snippets.push({ where: `${file}:${text.slice(0, match.index).split("\n").length + 1}`, text: body, marker });
    }
  }
  return snippets;
}

describe("config snippets in the docs", () => {
  const snippets = configSnippets();

  it("finds the snippets (the scan works)", () => {
    expect(snippets.map((snippet) => snippet.where.split(":")[0])).toEqual(expect.arrayContaining(["docs/config.md", "docs/slack.md", "docs/getting-started.md"]));
    expect(snippets.some((snippet) => snippet.marker === "invalid")).toBe(true);
  });

  it("validates every unmarked snippet against the schema", () => {
    const failures = snippets
      .filter((snippet) => snippet.marker === undefined)
      .map((snippet) => ({ where: snippet.where, result: parseConfig(snippet.text) }))
      .filter((entry) => !entry.result.ok)
      .map((entry) => `${entry.where}\n${entry.result.ok ? "" : renderProblems(entry.result.problems)}`);
    expect(failures).toEqual([]);
  });

  it("keeps snippets marked invalid invalid, and partial ones at least well-formed YAML", () => {
    for (const snippet of snippets.filter((candidate) => candidate.marker === "invalid")) expect(parseConfig(snippet.text).ok, snippet.where).toBe(false);
    for (const snippet of snippets.filter((candidate) => candidate.marker === "partial")) expect(() => parse(snippet.text), snippet.where).not.toThrow();
  });

  it("shows the problems docs/config.md says its invalid example has", () => {
    const example = snippets.find((snippet) => snippet.where.startsWith("docs/config.md") && snippet.marker === "invalid");
    const result = parseConfig(example?.text ?? "");
    expect(result.ok).toBe(false);
    const rendered = result.ok ? "" : renderProblems(result.problems);
    const documented = readFileSync(path.join(ROOT, "docs/config.md"), "utf8").match(/^> - .*$/gm)?.map((line) => line.slice(2)) ?? [];
    expect(documented).toHaveLength(3);
    expect(rendered.split("\n")).toEqual(documented);
  });
});

describe("the schema URL", () => {
  it("names docs/bender.schema.json of the repository package.json names, on main", () => {
    const repository = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { repository: { url: string } }).repository.url.match(/github\.com\/(?<name>[^/]+\/[^/.]+)/)?.groups?.name;
    expect(repository).toBe("bender-bot/bender");
    const url = new URL(CONFIG_SCHEMA_URL);
    expect(url.origin).toBe("https://raw.githubusercontent.com");
    const [, owner, name, branch, ...file] = url.pathname.split("/");
    expect(`${owner}/${name}`).toBe(repository);
    expect(branch).toBe("main");
    expect(existsSync(path.join(ROOT, ...file))).toBe(true);
    // Every $schema line in the docs points there (no placeholder).
    const docs = readdirSync(path.join(ROOT, "docs")).filter((entry) => entry.endsWith(".md")).map((entry) => readFileSync(path.join(ROOT, "docs", entry), "utf8")).join("\n");
    const urls = [...docs.matchAll(/\$schema=(?<url>https:\S+)/g)].map((match) => match.groups?.url);
    expect(urls.length).toBeGreaterThan(0);
    for (const written of urls) expect(written).toBe(CONFIG_SCHEMA_URL);
  });
});
