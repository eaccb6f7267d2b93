import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SettingsError, readSettings as readSettingsFrom } from "../../src/server/settings.js";
import { PRIVATE_KEY } from "../support/bender-server.js";

const WEBHOOK_SECRET = "whsec-4f9a1c7e2b8d3a6f";
const BUILD_SECRET = "build-secret-8e1d4c2a9f7b";
const VALID = { APP_ID: "123456", WEBHOOK_SECRET, PRIVATE_KEY } as const;

const folder = mkdtempSync(path.join(tmpdir(), "bender-settings-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const where = path.join(folder, name);
  writeFileSync(where, text);
  return where;
}

type Environment = Record<string, string | undefined>;

/** readSettings over a plain record (Probot's types narrow some variables of NodeJS.ProcessEnv). */
function readSettings(env: Environment) {
  return readSettingsFrom(env as NodeJS.ProcessEnv);
}

/** The SettingsError readSettings throws for this environment. */
function refusal(env: Environment): SettingsError {
  try {
    readSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error("expected readSettings to refuse the environment");
}

/** The problems a refusal lists, each starting with the variable it names. */
function problemsFor(env: Environment): string[] {
  return [...refusal(env).problems];
}

describe("a valid environment", () => {
  it("gives the App's settings and the defaults", () => {
    expect(readSettings({ ...VALID })).toEqual({
      appId: 123456,
      privateKey: PRIVATE_KEY,
      webhookSecret: WEBHOOK_SECRET,
      buildSecret: undefined,
      port: 3000,
      host: "0.0.0.0",
      logLevel: "info",
      githubApiUrl: "https://api.github.com",
      githubWebUrl: "https://github.com",
      manifestRepositories: undefined,
      githubWritesPerMinute: 70,
      githubWritesPerHour: 450,
      redisUrl: undefined,
    });
  });

  it("reads every variable", () => {
    const settings = readSettings({
      ...VALID,
      BENDER_BUILD_SECRET: BUILD_SECRET,
      PORT: "8080",
      HOST: "127.0.0.1",
      LOG_LEVEL: "debug",
      GHE_HOST: "github.example.com",
      GHE_PROTOCOL: "https",
      BENDER_MANIFEST_REPOS: "acme/manifests,acme/platform-config",
    });
    expect(settings).toMatchObject({
      buildSecret: BUILD_SECRET,
      port: 8080,
      host: "127.0.0.1",
      logLevel: "debug",
      githubApiUrl: "https://github.example.com/api/v3",
      githubWebUrl: "https://github.example.com",
      manifestRepositories: ["acme/manifests", "acme/platform-config"],
    });
  });

  it("ignores variables it does not know", () => {
    expect(readSettings({ ...VALID, PATH: "/usr/bin", NODE_ENV: "production" }).appId).toBe(123456);
  });
});

describe("missing variables", () => {
  it("names APP_ID, WEBHOOK_SECRET and the private key in one error", () => {
    const error = refusal({});
    expect(error.name).toBe("SettingsError");
    expect(error.problems).toHaveLength(3);
    expect(error.problems[0]).toMatch(/^APP_ID: missing/);
    expect(error.problems[1]).toMatch(/^WEBHOOK_SECRET: missing/);
    expect(error.problems[2]).toMatch(/^PRIVATE_KEY or PRIVATE_KEY_PATH: missing/);
    for (const problem of error.problems) expect(error.message).toContain(problem);
  });

  it.each(["APP_ID", "WEBHOOK_SECRET"])("names %s alone when only it is missing", (name) => {
    const env: Environment = { ...VALID };
    delete env[name];
    expect(problemsFor(env)).toEqual([expect.stringMatching(new RegExp(`^${name}: missing`))]);
  });

  it("treats an empty PRIVATE_KEY as missing (not as a reason to look for .pem files)", () => {
    expect(problemsFor({ APP_ID: "1", WEBHOOK_SECRET, PRIVATE_KEY: "" })).toEqual([expect.stringMatching(/^PRIVATE_KEY or PRIVATE_KEY_PATH: missing/)]);
  });
});

describe("the private key", () => {
  it("is read as PEM", () => {
    expect(readSettings({ ...VALID }).privateKey).toBe(PRIVATE_KEY);
  });

  it("is read as PEM with its newlines written \\n (as one-line environments hold it)", () => {
    expect(readSettings({ ...VALID, PRIVATE_KEY: PRIVATE_KEY.replaceAll("\n", "\\n") }).privateKey).toBe(PRIVATE_KEY);
  });

  it("is read as base64 of the PEM", () => {
    expect(readSettings({ ...VALID, PRIVATE_KEY: Buffer.from(PRIVATE_KEY).toString("base64") }).privateKey).toBe(PRIVATE_KEY);
  });

  it("is read from the file at PRIVATE_KEY_PATH", () => {
    const env: Environment = { ...VALID, PRIVATE_KEY_PATH: file("app.pem", PRIVATE_KEY) };
    delete env.PRIVATE_KEY;
    expect(readSettings(env).privateKey).toBe(PRIVATE_KEY);
  });

  it("refuses a PRIVATE_KEY_PATH that does not exist, naming the variable", () => {
    const missing = path.join(folder, "nowhere.pem");
    expect(problemsFor({ APP_ID: "1", WEBHOOK_SECRET, PRIVATE_KEY_PATH: missing })).toEqual([expect.stringMatching(/^PRIVATE_KEY_PATH: .*does not exist/)]);
  });

  it("refuses a garbage PRIVATE_KEY without echoing it", () => {
    const garbage = "hunter2-not-a-key-at-all";
    const error = refusal({ ...VALID, PRIVATE_KEY: garbage });
    expect(error.problems).toEqual([expect.stringMatching(/^PRIVATE_KEY: .*expected a PEM private key/)]);
    expect(error.message).not.toContain(garbage);
  });

  it("refuses PEM markers around garbage without echoing it", () => {
    const garbage = "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LW1hdGVyaWFsLXRoYXQtaXMtbm90LWEta2V5\n-----END RSA PRIVATE KEY-----\n";
    const error = refusal({ ...VALID, PRIVATE_KEY: garbage });
    expect(error.problems).toEqual([expect.stringMatching(/^PRIVATE_KEY: /)]);
    expect(error.message).not.toContain("c2VjcmV0LW1hdGVyaWFs");
  });

  it("refuses a PRIVATE_KEY_PATH file that holds no private key, without echoing it", () => {
    const env: Environment = { APP_ID: "1", WEBHOOK_SECRET, PRIVATE_KEY_PATH: file("garbage.pem", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGarbage me@laptop\n") };
    const error = refusal(env);
    expect(error.problems).toEqual([expect.stringMatching(/^PRIVATE_KEY_PATH: /)]);
    expect(error.message).not.toContain("AAAAC3NzaC1lZDI1NTE5");
  });

  it("refuses a private key that is not RSA (GitHub App keys are)", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256", privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
    const error = refusal({ ...VALID, PRIVATE_KEY: ec });
    expect(error.problems).toEqual([expect.stringMatching(/^PRIVATE_KEY: not a readable RSA private key/)]);
    expect(error.message).not.toContain(ec.split("\n")[1]);
  });

  it("is never echoed when other variables are wrong", () => {
    const error = refusal({ ...VALID, APP_ID: "twelve" });
    expect(error.message).not.toContain(PRIVATE_KEY.split("\n")[1]);
  });
});

describe("secrets", () => {
  it("refuses a short WEBHOOK_SECRET without echoing it", () => {
    const error = refusal({ ...VALID, WEBHOOK_SECRET: "sw0rdf1sh" });
    expect(error.problems).toEqual([expect.stringMatching(/^WEBHOOK_SECRET: must be at least 16 characters/)]);
    expect(error.message).not.toContain("sw0rdf1sh");
  });

  it("refuses a short BENDER_BUILD_SECRET without echoing it", () => {
    const error = refusal({ ...VALID, BENDER_BUILD_SECRET: "b1dsecret" });
    expect(error.problems).toEqual([expect.stringMatching(/^BENDER_BUILD_SECRET: must be at least 16 characters/)]);
    expect(error.message).not.toContain("b1dsecret");
  });

  it("never echoes valid secrets either, when something else is wrong", () => {
    const error = refusal({ ...VALID, BENDER_BUILD_SECRET: BUILD_SECRET, PORT: "http" });
    expect(error.message).not.toContain(WEBHOOK_SECRET);
    expect(error.message).not.toContain(BUILD_SECRET);
  });
});

describe("APP_ID", () => {
  it.each(["abc", "12a", "-1", "1.5", ""])("refuses %j", (value) => {
    expect(problemsFor({ ...VALID, APP_ID: value })).toEqual([expect.stringMatching(/^APP_ID: /)]);
  });
});

describe("PORT", () => {
  it.each([
    ["1", 1],
    ["3000", 3000],
    ["65535", 65535],
  ])("accepts %s", (value, port) => {
    expect(readSettings({ ...VALID, PORT: value }).port).toBe(port);
  });

  it.each(["0", "65536", "99999", "-1", "80.5", "http", "", "123456"])("refuses %j", (value) => {
    expect(problemsFor({ ...VALID, PORT: value })).toEqual(["PORT: must be a port number, 1 to 65535"]);
  });
});

describe("LOG_LEVEL", () => {
  it.each(["trace", "debug", "info", "warn", "error", "fatal"])("accepts %s", (level) => {
    expect(readSettings({ ...VALID, LOG_LEVEL: level }).logLevel).toBe(level);
  });

  it.each(["verbose", "silent", "INFO", ""])("refuses %j, listing the levels", (level) => {
    expect(problemsFor({ ...VALID, LOG_LEVEL: level })).toEqual(["LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal"]);
  });
});

describe("GitHub Enterprise Server", () => {
  it.each([
    ["github.example.com", undefined, "https://github.example.com/api/v3", "https://github.example.com"],
    ["github.example.com", "http", "http://github.example.com/api/v3", "http://github.example.com"],
    ["github.example.com:8443", "https", "https://github.example.com:8443/api/v3", "https://github.example.com:8443"],
    ["ghe", undefined, "https://ghe/api/v3", "https://ghe"],
    ["10.0.0.7:8080", "http", "http://10.0.0.7:8080/api/v3", "http://10.0.0.7:8080"],
  ])("GHE_HOST=%s GHE_PROTOCOL=%s: API at %s, web at %s", (host, protocol, api, web) => {
    const settings = readSettings({ ...VALID, GHE_HOST: host, ...(protocol === undefined ? {} : { GHE_PROTOCOL: protocol }) });
    expect(settings.githubApiUrl).toBe(api);
    expect(settings.githubWebUrl).toBe(web);
  });

  it("keeps github.com when only GHE_PROTOCOL is set", () => {
    const settings = readSettings({ ...VALID, GHE_PROTOCOL: "http" });
    expect([settings.githubApiUrl, settings.githubWebUrl]).toEqual(["https://api.github.com", "https://github.com"]);
  });

  it.each(["https://github.example.com", "github.example.com/api/v3", "github.example.com/", "user@github.example.com", "github example.com", ""])(
    "refuses GHE_HOST=%j, naming the variable",
    (host) => {
      expect(problemsFor({ ...VALID, GHE_HOST: host })).toEqual([expect.stringMatching(/^GHE_HOST: must be a host name .*no scheme, no path/)]);
    },
  );

  it.each(["ftp", "HTTPS", "https://"])("refuses GHE_PROTOCOL=%j", (protocol) => {
    expect(problemsFor({ ...VALID, GHE_HOST: "github.example.com", GHE_PROTOCOL: protocol })).toEqual(["GHE_PROTOCOL: must be https or http"]);
  });
});

describe("BENDER_MANIFEST_REPOS", () => {
  it.each([
    ["acme/manifests", ["acme/manifests"]],
    ["acme/manifests, acme/platform.config ,", ["acme/manifests", "acme/platform.config"]],
    [" acme/a_b-c ", ["acme/a_b-c"]],
  ])("reads %j", (value, repositories) => {
    expect(readSettings({ ...VALID, BENDER_MANIFEST_REPOS: value }).manifestRepositories).toEqual(repositories);
  });

  it.each(["", "  "])("treats %j as unset (discovery)", (value) => {
    expect(readSettings({ ...VALID, BENDER_MANIFEST_REPOS: value }).manifestRepositories).toBeUndefined();
  });

  it("refuses each entry that is not owner/name, naming it", () => {
    const problems = problemsFor({ ...VALID, BENDER_MANIFEST_REPOS: "acme/manifests,acme,acme/a/b,https://github.com/acme/x" });
    expect(problems).toHaveLength(3);
    for (const [index, entry] of ["acme", "acme/a/b", "https://github.com/acme/x"].entries()) {
      expect(problems[index]).toMatch(/^BENDER_MANIFEST_REPOS: /);
      expect(problems[index]).toContain(`"${entry}" is not owner/name`);
    }
  });
});

describe("BENDER_GITHUB_WRITES_PER_MINUTE and _PER_HOUR", () => {
  it("reads the pace of content-creating requests", () => {
    const settings = readSettings({ ...VALID, BENDER_GITHUB_WRITES_PER_MINUTE: "40", BENDER_GITHUB_WRITES_PER_HOUR: "300" });
    expect(settings.githubWritesPerMinute).toBe(40);
    expect(settings.githubWritesPerHour).toBe(300);
  });

  it.each(["0", "81", "1.5", "fast"])("refuses %j a minute, naming GitHub's limit", (value) => {
    expect(problemsFor({ ...VALID, BENDER_GITHUB_WRITES_PER_MINUTE: value })).toEqual([
      "BENDER_GITHUB_WRITES_PER_MINUTE: must be a whole number from 1 to 80 (GitHub's secondary limit is 80 a minute)",
    ]);
  });

  it.each(["0", "501"])("refuses %j an hour", (value) => {
    expect(problemsFor({ ...VALID, BENDER_GITHUB_WRITES_PER_HOUR: value })).toEqual([
      "BENDER_GITHUB_WRITES_PER_HOUR: must be a whole number from 1 to 500 (GitHub's secondary limit is 500 an hour)",
    ]);
  });
});

describe("REDIS_URL", () => {
  it.each(["redis://127.0.0.1:6379/0", "rediss://user:secret@redis.internal:6380"])("reads %s", (url) => {
    expect(readSettings({ ...VALID, REDIS_URL: url }).redisUrl).toBe(url);
  });

  it.each(["127.0.0.1:6379", "http://redis:6379"])("refuses %s", (url) => {
    expect(problemsFor({ ...VALID, REDIS_URL: url })).toEqual(["REDIS_URL: must be a redis:// or rediss:// URL, e.g. redis://redis:6379/0"]);
  });
});

describe("every problem at once", () => {
  it("lists each bad variable in one SettingsError", () => {
    const error = refusal({ APP_ID: "x", WEBHOOK_SECRET: "short", PORT: "0", LOG_LEVEL: "loud", GHE_HOST: "https://ghe", BENDER_MANIFEST_REPOS: "nope" });
    expect(error.problems.map((problem) => problem.split(":")[0])).toEqual([
      "APP_ID",
      "WEBHOOK_SECRET",
      "PORT",
      "LOG_LEVEL",
      "GHE_HOST",
      "BENDER_MANIFEST_REPOS",
      "PRIVATE_KEY or PRIVATE_KEY_PATH",
    ]);
    expect(error.message.split("\n")[0]).toBe("invalid settings:");
  });
});

describe("BENDER_POLICY_SWEEP_INTERVAL_MS", () => {
  it("is read in milliseconds (0 turns the sweep off), undefined (a minute) when unset, and refused outside 1 s to 1 h", () => {
    expect(readSettings({ ...VALID, BENDER_POLICY_SWEEP_INTERVAL_MS: "30000" }).policySweepIntervalMs).toBe(30_000);
    expect(readSettings({ ...VALID, BENDER_POLICY_SWEEP_INTERVAL_MS: "0" }).policySweepIntervalMs).toBe(0);
    expect(readSettings(VALID).policySweepIntervalMs).toBeUndefined();
    for (const value of ["999", "3600001", "1m"]) {
      expect(problemsFor({ ...VALID, BENDER_POLICY_SWEEP_INTERVAL_MS: value })).toEqual(["BENDER_POLICY_SWEEP_INTERVAL_MS: must be a number of milliseconds, 0 (off) or 1000 to 3600000"]);
    }
  });
});

describe("BENDER_WEBHOOK_MAX_BYTES and BENDER_SHUTDOWN_TIMEOUT_MS", () => {
  it("are read as numbers, and left undefined (the defaults) when unset", () => {
    expect(readSettings({ ...VALID, BENDER_WEBHOOK_MAX_BYTES: "65536", BENDER_SHUTDOWN_TIMEOUT_MS: "2500" })).toMatchObject({ webhookMaxBytes: 65536, shutdownTimeoutMs: 2500 });
    const defaults = readSettings(VALID);
    expect(defaults.webhookMaxBytes).toBeUndefined();
    expect(defaults.shutdownTimeoutMs).toBeUndefined();
  });

  it("refuse values outside their range, saying what is allowed", () => {
    expect(problemsFor({ ...VALID, BENDER_WEBHOOK_MAX_BYTES: "100", BENDER_SHUTDOWN_TIMEOUT_MS: "ten" })).toEqual([
      "BENDER_WEBHOOK_MAX_BYTES: must be a number of bytes, 1024 to 26214400 (GitHub's 25 MB cap)",
      "BENDER_SHUTDOWN_TIMEOUT_MS: must be a number of milliseconds, 0 to 600000",
    ]);
  });
});

describe("BENDER_ENGINE_WORKERS, BENDER_ENGINE_MEMORY_MB and BENDER_ENGINE_FILE_TIMEOUT_MS", () => {
  it("are read as numbers (0 workers allowed), and left undefined (the defaults) when unset", () => {
    expect(readSettings({ ...VALID, BENDER_ENGINE_WORKERS: "0", BENDER_ENGINE_MEMORY_MB: "128", BENDER_ENGINE_FILE_TIMEOUT_MS: "5000" })).toMatchObject({
      engineWorkers: 0,
      engineMemoryMb: 128,
      engineFileTimeoutMs: 5000,
    });
    const defaults = readSettings(VALID);
    expect([defaults.engineWorkers, defaults.engineMemoryMb, defaults.engineFileTimeoutMs]).toEqual([undefined, undefined, undefined]);
  });

  it("refuse values outside their range, saying what is allowed", () => {
    expect(problemsFor({ ...VALID, BENDER_ENGINE_WORKERS: "17", BENDER_ENGINE_MEMORY_MB: "8", BENDER_ENGINE_FILE_TIMEOUT_MS: "-1" })).toEqual([
      "BENDER_ENGINE_WORKERS: must be a number of worker threads, 0 to 16 (0: the engine runs on the event loop)",
      "BENDER_ENGINE_MEMORY_MB: must be a number of megabytes, 32 to 4096",
      "BENDER_ENGINE_FILE_TIMEOUT_MS: must be a number of milliseconds, 100 to 600000",
    ]);
  });
});
