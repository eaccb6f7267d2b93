import { describe, expect, it } from "vitest";
import { codeSpan, escapeMarkdown } from "../../src/config/render-problems.js";
import { parseConfig, renderProblems, summarizeProblems } from "../../src/config/index.js";
import type { ConfigProblem } from "../../src/config/index.js";

function problem(overrides: Partial<ConfigProblem>): ConfigProblem {
  return { code: "invalid-value", file: ".github/bender.yml", path: "mergeMethod", line: 3, value: "fast", message: "must be merge", ...overrides };
}

describe("renderProblems", () => {
  it("renders one list item per problem: file:line path — message (value)", () => {
    const result = parseConfig("environments:\n  staging:\n    paths: [/abs]\nmergeMethod: fast\n");
    if (result.ok) throw new Error("expected problems");
    expect(renderProblems(result.problems)).toBe(
      [
        '- `.github/bender.yml:3` `environments.staging.paths[0]` — must be relative to the repository root: remove the leading "/" (`/abs`)',
        '- `.github/bender.yml:4` `mergeMethod` — must be "merge", "squash" or "rebase", not "fast" (`fast`)',
      ].join("\n"),
    );
  });

  it("leaves out what a problem does not have", () => {
    expect(renderProblems([problem({ path: "", line: undefined, value: undefined, message: "the file is empty" })])).toBe(
      "- `.github/bender.yml` — the file is empty",
    );
  });

  it("escapes Markdown in values and messages", () => {
    const rendered = renderProblems([
      problem({ value: "`x` **bold** [link](http://e.x) <img>", message: 'unknown key "a_b_c": *did* you mean [x](y)?' }),
    ]);
    expect(rendered).toBe(
      '- `.github/bender.yml:3` `mergeMethod` — unknown key "a\\_b\\_c": \\*did\\* you mean \\[x\\]\\(y\\)? (`` `x` **bold** [link](http://e.x) <img> ``)',
    );
  });

  it("keeps each problem on one line", () => {
    expect(renderProblems([problem({ message: "line one\nline two", value: "a\nb" })]).split("\n")).toHaveLength(1);
  });

  it("stops before a check run's output limit", () => {
    const many = Array.from({ length: 2_000 }, (_, index) => problem({ message: `problem ${index} ${"x".repeat(60)}` }));
    const rendered = renderProblems(many);
    expect(rendered.length).toBeLessThan(65_535);
    expect(rendered).toMatch(/- … and \d+ more$/);
  });
});

describe("codeSpan and escapeMarkdown", () => {
  it.each([
    ["plain", "`plain`"],
    ["a`b", "``a`b``"],
    ["`a``", "``` `a`` ```"],
    ["", "` `"],
  ])("fences %j safely", (text, span) => {
    expect(codeSpan(text)).toBe(span);
  });

  it("escapes every character Markdown gives a meaning to", () => {
    expect(escapeMarkdown("#1 @team <b>")).toBe("\\#1 \\@team \\<b\\>");
  });
});

describe("summarizeProblems", () => {
  it.each([
    [[problem({})], "1 problem in .github/bender.yml"],
    [[problem({}), problem({})], "2 problems in .github/bender.yml"],
    [[problem({}), problem({ file: "other.yml" })], "2 problems in 2 files"],
    [[], "no problems"],
  ])("summarises %# in one line", (problems, summary) => {
    expect(summarizeProblems(problems)).toBe(summary);
  });
});
