import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { formatEnvValue, mergeEnvFile } from "../../src/setup/env-file.js";
import { isFirstRun } from "../../src/setup/first-run.js";

describe("mergeEnvFile", () => {
  it("appends new keys to an empty file", () => {
    const merge = mergeEnvFile("", { APP_ID: "1", PRIVATE_KEY: "-----BEGIN\nabc\n-----END\n" });
    expect(merge).toEqual({ text: 'APP_ID=1\nPRIVATE_KEY="-----BEGIN\\nabc\\n-----END\\n"\n', written: ["APP_ID", "PRIVATE_KEY"], kept: [] });
    expect(parseEnv(merge.text)).toEqual({ APP_ID: "1", PRIVATE_KEY: "-----BEGIN\nabc\n-----END\n" });
  });

  it("never overwrites a value, fills an empty one in place, keeps comments and other lines", () => {
    const existing = "# comment\nexport APP_ID=7\nWEBHOOK_SECRET=\nOTHER='x'\n";
    const merge = mergeEnvFile(existing, { APP_ID: "1", WEBHOOK_SECRET: "s3cret-s3cret-s3cret", NEW: "v" });
    expect(merge.text).toBe("# comment\nexport APP_ID=7\nWEBHOOK_SECRET=s3cret-s3cret-s3cret\nOTHER='x'\nNEW=v\n");
    expect(merge.kept).toEqual(["APP_ID"]);
    expect(merge.written).toEqual(["WEBHOOK_SECRET", "NEW"]);
  });

  it("quotes what needs quoting and refuses a value it cannot hold", () => {
    expect(formatEnvValue("a b#c")).toBe('"a b#c"');
    expect(parseEnv(`K=${formatEnvValue("a b#c")}`)).toEqual({ K: "a b#c" });
    expect(() => formatEnvValue('say "hi"')).toThrow("double quote");
  });
});

describe("isFirstRun", () => {
  it("is a first run only with no App credential at all, and never in production", () => {
    expect(isFirstRun({})).toBe(true);
    expect(isFirstRun({ APP_ID: "", LOG_LEVEL: "debug" })).toBe(true);
    expect(isFirstRun({ APP_ID: "1" })).toBe(false);
    expect(isFirstRun({ PRIVATE_KEY_PATH: "key.pem" })).toBe(false);
    expect(isFirstRun({ NODE_ENV: "production" })).toBe(false);
  });
});
