import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MAX_CONFIG_LENGTH, parseConfig } from "../../src/config/index.js";
import type { BenderConfig, ConfigProblem } from "../../src/config/index.js";

const FULL = readFileSync(new URL("./fixtures/full.yml", import.meta.url), "utf8");

function accepted(text: string): BenderConfig {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(`expected the config to parse:\n${JSON.stringify(result.problems, null, 2)}`);
  return result.config;
}

function problemsOf(text: string, file?: string): ConfigProblem[] {
  const result = parseConfig(text, file);
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.config)}`);
  return result.problems;
}

/** The one problem a text has; fails if it has none or several. */
function onlyProblem(text: string): ConfigProblem {
  const problems = problemsOf(text);
  expect(problems).toHaveLength(1);
  return problems[0] as ConfigProblem;
}

/** A valid config with one environment whose body is `body` (indented under `staging:`). */
function withEnvironment(body: string): string {
  return `environments:\n  staging:\n${body.replace(/^/gm, "    ")}\n`;
}

describe("parseConfig: valid files", () => {
  it("reads the full example with every key", () => {
    expect(accepted(FULL)).toEqual({
      environments: {
        staging: {
          paths: ["clusters/staging"],
          autoPin: true,
          slack: { channel: "#deploys-staging", approvers: "anyone", confirm: false },
        },
        production: {
          paths: ["clusters/prod-*/**", "apps/overlays/prod"],
          branch: "main",
          autoPin: false,
          slack: { channel: "#deploys", approvers: ["U012ABCDEF", "S0123ABCD"], confirm: true },
        },
      },
      images: [{ repository: "ghcr.io/acme/api", tagPattern: "^\\d+\\.\\d+\\.\\d+$", environments: ["staging", "production"] }],
      mergeMethod: "squash",
    });
  });

  it("applies the defaults to a minimal file", () => {
    expect(accepted("environments:\n  dev:\n    paths: [k8s]\n")).toEqual({
      environments: { dev: { paths: ["k8s"], autoPin: false } },
      mergeMethod: "squash",
    });
  });

  it("keeps the file's order of environments", () => {
    const config = accepted("environments:\n  zeta: { paths: [z] }\n  alpha: { paths: [a] }\n");
    expect(Object.keys(config.environments)).toEqual(["zeta", "alpha"]);
  });

  it("accepts channel IDs, W user IDs, other merge methods and a few aliases", () => {
    const config = accepted(
      [
        "environments:",
        "  qa:",
        "    paths: &shared [apps/qa]",
        "    slack: { channel: C0123ABCD9, approvers: [W012ABCDEF] }",
        "  qa-2:",
        "    paths: *shared",
        "mergeMethod: rebase",
      ].join("\n"),
    );
    expect(config.environments["qa-2"]?.paths).toEqual(["apps/qa"]);
    expect(config.environments.qa?.slack?.channel).toBe("C0123ABCD9");
    expect(config.mergeMethod).toBe("rebase");
  });
});

describe("parseConfig: one rule at a time", () => {
  it("needs at least one environment", () => {
    expect(onlyProblem("environments: {}\n")).toMatchObject({ path: "environments", line: 1, message: expect.stringContaining("at least one environment") });
  });

  it("needs environments at all, pointing at the file's first line", () => {
    expect(onlyProblem("mergeMethod: merge\n")).toEqual({
      code: "missing-key",
      file: ".github/bender.yml",
      path: "environments",
      line: 1,
      value: undefined,
      message: expect.stringMatching(/^is required: a map of environment names/),
    });
  });

  it.each([
    ["Production", 'use 1 to 40 lowercase letters, digits and "-"'],
    ["-prod", "starting with a letter or digit"],
    ["prod_eu", "lowercase letters, digits and"],
    ["a".repeat(41), "1 to 40"],
  ])("refuses the environment name %s on its key's line", (name, rule) => {
    const problem = onlyProblem(`environments:\n  ok: { paths: [a] }\n  ${name}:\n    paths: [b]\n`);
    expect(problem).toMatchObject({ code: "invalid-value", path: `environments.${name}`, line: 3, value: name });
    expect(problem.message).toContain(rule);
    expect(problem.message).toContain("branch names and labels");
  });

  it("still checks the body of an environment whose name is refused", () => {
    const problems = problemsOf("environments:\n  Prod:\n    paths: []\n");
    expect(problems.map((problem) => [problem.path, problem.line])).toEqual([
      ["environments.Prod", 2],
      ["environments.Prod.paths", 3],
    ]);
  });

  it("needs paths, pointing at the environment's key", () => {
    expect(onlyProblem("environments:\n  staging:\n    autoPin: true\n")).toMatchObject({
      code: "missing-key",
      path: "environments.staging.paths",
      line: 2,
      message: expect.stringMatching(/^is required: a list of folders or globs/),
    });
  });

  it("needs at least one path", () => {
    expect(onlyProblem(withEnvironment("paths: []"))).toMatchObject({
      path: "environments.staging.paths",
      line: 3,
      message: "list at least one folder or glob, e.g. [clusters/staging]",
    });
  });

  it("says what it found when paths is not a list", () => {
    expect(onlyProblem(withEnvironment("paths: clusters/staging"))).toMatchObject({
      code: "wrong-type",
      value: "clusters/staging",
      message: expect.stringMatching(/^must be a list of folders or globs .*, not text$/),
    });
  });

  it.each([
    ["/clusters/staging", 'remove the leading "/"'],
    ["clusters/../secrets", 'must not contain a ".." segment'],
    ["..", 'must not contain a ".." segment'],
    ["clusters\\\\staging", 'not "\\"'],
    ["!clusters/prod/**", "negated globs are not supported"],
    [".", 'write "**" for the whole repository'],
    ["", "must not be empty"],
  ])("refuses the path %j", (path, rule) => {
    const problem = onlyProblem(withEnvironment(`paths:\n  - ok\n  - "${path}"`));
    expect(problem).toMatchObject({ path: "environments.staging.paths[1]", line: 5 });
    expect(problem.message).toContain(rule);
  });

  it("allows a .. inside a name", () => {
    expect(accepted(withEnvironment("paths: [apps/a..b/**]")).environments.staging?.paths).toEqual(["apps/a..b/**"]);
  });

  it.each([
    ["release 1", "must not contain spaces"],
    ["a..b", 'must not contain ".."'],
    ["feat~1", 'must not contain "~"'],
    ["a^b", '"^"'],
    ["a:b", '":"'],
    ["what?", '"?"'],
    ["a*", '"*"'],
    ["a[b", '"["'],
    ["a\\\\b", '"\\"'],
    ["-main", 'must not start with "-"'],
    ["main.lock", 'must not end with ".lock"'],
    ["main/", 'must not start or end with "/"'],
    ["a//b", 'contain "//"'],
    [".hidden", 'must not start with "."'],
    ["a@{1}", '"@{"'],
    ["@", 'must not be "@"'],
  ])("refuses the branch %j", (branch, rule) => {
    const problems = problemsOf(withEnvironment(`paths: [a]\nbranch: "${branch}"`));
    expect(problems.every((problem) => problem.path === "environments.staging.branch" && problem.line === 4)).toBe(true);
    expect(problems.map((problem) => problem.message).join("\n")).toContain(rule);
  });

  it.each(["main", "release/1.2", "feature/JIRA-12_x", "v1.0"])("accepts the branch %s", (branch) => {
    expect(accepted(withEnvironment(`paths: [a]\nbranch: ${branch}`)).environments.staging?.branch).toBe(branch);
  });

  it("wants booleans, not YAML 1.1 words", () => {
    expect(onlyProblem(withEnvironment("paths: [a]\nautoPin: yes"))).toMatchObject({
      code: "wrong-type",
      path: "environments.staging.autoPin",
      line: 4,
      value: "yes",
      message: "must be true or false, not text",
    });
  });

  it.each([
    ["deploys", 'is not a Slack channel: write its name with "#"'],
    ["#Deploys", "lowercase letters"],
    ["c0123abcd", "its ID (C… or G…"],
  ])("refuses the channel %j", (channel, rule) => {
    const problem = onlyProblem(withEnvironment(`paths: [a]\nslack:\n  channel: "${channel}"\n  approvers: anyone`));
    expect(problem).toMatchObject({ path: "environments.staging.slack.channel", line: 5, value: channel });
    expect(problem.message).toContain(rule);
  });

  it("refuses approvers that are not IDs, one problem per entry", () => {
    const problems = problemsOf(withEnvironment("paths: [a]\nslack:\n  channel: '#d'\n  approvers:\n    - U012ABCDEF\n    - '@alice'\n    - alice"));
    expect(problems.map((problem) => [problem.path, problem.line, problem.value])).toEqual([
      ["environments.staging.slack.approvers[1]", 8, "@alice"],
      ["environments.staging.slack.approvers[2]", 9, "alice"],
    ]);
    expect(problems[0]?.message).toContain("is not a Slack user or user-group ID: use IDs such as U012ABCDEF");
  });

  it.each([
    ["everyone", 'must be "anyone" or a list of Slack user IDs'],
    ["[]", 'list at least one approver, or write "anyone"'],
  ])("refuses approvers: %s", (approvers, rule) => {
    const problem = onlyProblem(withEnvironment(`paths: [a]\nslack: { channel: "#d", approvers: ${approvers} }`));
    expect(problem).toMatchObject({ path: "environments.staging.slack.approvers", line: 4 });
    expect(problem.message).toContain(rule);
  });

  it("needs a channel and approvers in a slack block", () => {
    const problems = problemsOf(withEnvironment("paths: [a]\nslack:\n  confirm: true"));
    expect(problems.map((problem) => [problem.code, problem.path, problem.line])).toEqual([
      ["missing-key", "environments.staging.slack.channel", 4],
      ["missing-key", "environments.staging.slack.approvers", 4],
    ]);
  });

  it("reports the compile error of a tagPattern", () => {
    const problem = onlyProblem(`${withEnvironment("paths: [a]")}images:\n  - repository: ghcr.io/acme/api\n    tagPattern: '^(\\d+$'\n`);
    expect(problem).toMatchObject({ path: "images[0].tagPattern", line: 6, value: "^(\\d+$" });
    expect(problem.message).toMatch(/^is not a valid JavaScript regular expression \(Invalid regular expression: .*Unterminated group\)/);
  });

  it.each([
    ["ghcr.io/acme/api:1.0", 'write "ghcr.io/acme/api"'],
    ["ghcr.io/acme/api@sha256:" + "a".repeat(64), 'write "ghcr.io/acme/api"'],
    ["ghcr.io/Acme/api", "invalid image reference"],
    ["", "invalid image reference"],
  ])("refuses the repository %j", (repository, rule) => {
    const problem = onlyProblem(`${withEnvironment("paths: [a]")}images:\n  - repository: "${repository}"\n`);
    expect(problem).toMatchObject({ path: "images[0].repository", line: 5 });
    expect(problem.message).toContain(rule);
  });

  it("refuses two policies for one repository, however written", () => {
    const problem = onlyProblem(`${withEnvironment("paths: [a]")}images:\n  - repository: redis\n  - repository: docker.io/library/redis\n`);
    expect(problem).toMatchObject({ path: "images[1].repository", line: 6, message: "names the same repository as images[0]: write one policy per repository" });
  });

  it("refuses a policy naming an environment that does not exist", () => {
    const text = `environments:\n  staging: { paths: [s] }\n  production: { paths: [p] }\nimages:\n  - repository: ghcr.io/acme/api\n    environments: [staging, prod]\n`;
    expect(onlyProblem(text)).toEqual({
      code: "invalid-value",
      file: ".github/bender.yml",
      path: "images[0].environments[1]",
      line: 6,
      value: "prod",
      message: '"prod" is not an environment of this file: use one of staging, production',
    });
  });

  it("refuses an empty environments list in a policy", () => {
    expect(onlyProblem(`${withEnvironment("paths: [a]")}images:\n  - repository: redis\n    environments: []\n`)).toMatchObject({
      path: "images[0].environments",
      message: "list at least one environment, or remove the key to allow all",
    });
  });

  it("refuses an unknown merge method", () => {
    expect(onlyProblem(`${withEnvironment("paths: [a]")}mergeMethod: fast-forward\n`)).toMatchObject({
      path: "mergeMethod",
      line: 4,
      value: "fast-forward",
      message: 'must be "merge", "squash" or "rebase", not "fast-forward"',
    });
  });
});

describe("parseConfig: unknown keys", () => {
  it.each([
    ["", "autopin: true", "environments.staging.autopin", 'did you mean "autoPin"?'],
    ["", "path: [b]", "environments.staging.path", 'did you mean "paths"?'],
    ["", "brnach: main", "environments.staging.brnach", 'did you mean "branch"?'],
    ["imgaes: []\n", "", "imgaes", 'did you mean "images"?'],
  ])("suggests the closest key (%s%s)", (topLevel, environmentLine, path, hint) => {
    const text = `${withEnvironment(`paths: [a]${environmentLine === "" ? "" : `\n${environmentLine}`}`)}${topLevel}`;
    const problem = onlyProblem(text);
    expect(problem).toMatchObject({ code: "unknown-key", path, line: 4 });
    expect(problem.message).toContain(hint);
  });

  it("lists the allowed keys when nothing is close", () => {
    expect(onlyProblem(withEnvironment("paths: [a]\nnamespace: x")).message).toBe(
      'unknown key "namespace". Allowed here: paths, branch, autoPin, slack, timezone, windows, blackouts, approvals, approvalsExpireAfter, allowSelfApproval, freezers.',
    );
  });

  it("finds unknown keys in slack blocks and image policies", () => {
    const text = `${withEnvironment("paths: [a]\nslack: { channel: '#d', approvers: anyone, confrim: true }")}images:\n  - repository: redis\n    tag: latest\n`;
    expect(problemsOf(text).map((problem) => [problem.path, problem.line, problem.message])).toEqual([
      ["environments.staging.slack.confrim", 4, expect.stringContaining('did you mean "confirm"?')],
      ["images[0].tag", 7, expect.stringContaining("Allowed here: repository, tagPattern, environments.")],
    ]);
  });
});

describe("parseConfig: many problems at once", () => {
  it("lists every problem in file order, each with its line", () => {
    const text = [
      "environments:", //                       1
      "  Staging:", //                           2
      "    paths: [/clusters/staging]", //       3
      "    autopin: true", //                    4
      "  production:", //                        5
      "    paths: [clusters/prod]", //           6
      "    branch: 'release 1'", //              7
      "    slack:", //                           8
      "      channel: deploys", //               9
      "      approvers: [alice]", //             10
      "images:", //                              11
      "  - repository: ghcr.io/acme/api:1", //   12
      "    tagPattern: '['", //                  13
      "    environments: [prod]", //             14
      "mergeMethod: fast", //                    15
    ].join("\n");
    expect(problemsOf(text, "config/bender.yml").map(({ file, path, line }) => `${file}:${line} ${path}`)).toEqual([
      "config/bender.yml:2 environments.Staging",
      "config/bender.yml:3 environments.Staging.paths[0]",
      "config/bender.yml:4 environments.Staging.autopin",
      "config/bender.yml:7 environments.production.branch",
      "config/bender.yml:9 environments.production.slack.channel",
      "config/bender.yml:10 environments.production.slack.approvers[0]",
      "config/bender.yml:12 images[0].repository",
      "config/bender.yml:13 images[0].tagPattern",
      "config/bender.yml:14 images[0].environments[0]",
      "config/bender.yml:15 mergeMethod",
    ]);
  });

  it("points a problem inside an alias at the anchored value", () => {
    const text = "environments:\n  a:\n    paths: &p [/abs]\n  b:\n    paths: *p\n";
    expect(problemsOf(text).map((problem) => [problem.path, problem.line])).toEqual([
      ["environments.a.paths[0]", 3],
      ["environments.b.paths[0]", 3],
    ]);
  });

  it("shortens long values", () => {
    const problem = onlyProblem(withEnvironment(`paths: [a]\nbranch: "${"x ".repeat(100)}"`));
    expect(problem.value?.length).toBe(80);
    expect(problem.value?.endsWith("…")).toBe(true);
  });
});

describe("parseConfig: files that are not configs", () => {
  it("reports a YAML syntax error with its line", () => {
    expect(onlyProblem("environments:\n  staging:\n    paths: [a, b\n  production: {}\n")).toMatchObject({
      code: "invalid-yaml",
      path: "",
      line: expect.any(Number),
      message: expect.stringMatching(/^the file is not valid YAML: /),
    });
  });

  it("reports a tab indentation on its line", () => {
    expect(onlyProblem("environments:\n\tstaging: {}\n")).toMatchObject({ code: "invalid-yaml", line: 2 });
  });

  it("reports duplicate keys", () => {
    const problem = onlyProblem("environments:\n  s: { paths: [a] }\n  s: { paths: [b] }\n");
    expect(problem).toMatchObject({ code: "invalid-yaml", line: 3, value: "s", message: "the file is not valid YAML: Map keys must be unique" });
  });

  it("reports an empty file", () => {
    expect(onlyProblem("# nothing yet\n")).toMatchObject({ code: "missing-key", path: "", line: 1, message: expect.stringMatching(/^the file is empty/) });
  });

  it("reports a file that is a list", () => {
    expect(onlyProblem("- staging\n")).toMatchObject({ code: "wrong-type", path: "", line: 1, message: "must be a map with at least environments, not a list" });
  });

  it("refuses an alias bomb without expanding it", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array.from({ length: 10 }, () => `*${previous}`).join(", ")}]`);
    }
    const started = performance.now();
    const problem = onlyProblem(`${levels.join("\n")}\n`);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(problem).toMatchObject({ code: "too-many-aliases", path: "", message: expect.stringContaining("aliases (*name) that expand to too much data") });
  });

  it("refuses a file too large to be a config", () => {
    expect(onlyProblem(`# ${"x".repeat(MAX_CONFIG_LENGTH)}\n`)).toMatchObject({ code: "too-large", path: "" });
  });
});
