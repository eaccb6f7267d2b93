import type { CauseOptions, CodedError } from "../errors/coded-error.js";
import { createPrivateKey } from "node:crypto";
import { getPrivateKey } from "@probot/get-private-key";
import { z } from "zod";
import type { SlackSettings } from "../slack/slack-settings.js";

/**
 * Bender's settings, read from the environment once at start-up. Every
 * problem names the variable, what was wrong and what is allowed; secrets are
 * never echoed.
 */
export interface Settings {
  readonly appId: number;
  readonly privateKey: string;
  readonly webhookSecret: string;
  /** Undefined: POST /api/builds is turned off. */
  readonly buildSecret: string | undefined;
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  /** REST base URL: https://api.github.com, or <protocol>://<GHE_HOST>/api/v3. */
  readonly githubApiUrl: string;
  /** Web base URL for links in PR bodies and messages: https://github.com or <protocol>://<GHE_HOST>. */
  readonly githubWebUrl: string;
  /** `owner/name` of the manifest repositories, when given explicitly; otherwise discovered. */
  readonly manifestRepositories: readonly string[] | undefined;
  /** Undefined: Bender runs GitHub-only. */
  readonly slack: SlackSettings | undefined;
  /** Largest GitHub webhook body read (BENDER_WEBHOOK_MAX_BYTES); undefined: the default, 5 MiB. */
  readonly webhookMaxBytes?: number | undefined;
  /** How long SIGTERM waits for work in flight (BENDER_SHUTDOWN_TIMEOUT_MS); undefined: the default, 10 s. */
  readonly shutdownTimeoutMs?: number | undefined;
  /** Content-creating GitHub requests per installation and minute (GitHub's secondary limit is 80). */
  readonly githubWritesPerMinute: number;
  /** Content-creating GitHub requests per installation and hour (GitHub's secondary limit is 500). */
  readonly githubWritesPerHour: number;
  /** Set: every replica shares one build queue and one GitHub throttle through this Redis. */
  readonly redisUrl: string | undefined;
  /** Manifest engine worker threads (BENDER_ENGINE_WORKERS); 0 runs the engine in process; undefined: the default, 1. */
  readonly engineWorkers?: number | undefined;
  /** Heap limit of each engine worker in MB (BENDER_ENGINE_MEMORY_MB); undefined: the default, 256. */
  readonly engineMemoryMb?: number | undefined;
  /** Longest one file may keep an engine worker (BENDER_ENGINE_FILE_TIMEOUT_MS); undefined: the default, 10 s. */
  readonly engineFileTimeoutMs?: number | undefined;
  /** Set (METRICS_PORT): /metrics is served on this port only, apart from the public one; undefined: on PORT. */
  readonly metricsPort?: number | undefined;
  /** Milliseconds between the release policy's sweeps (BENDER_POLICY_SWEEP_INTERVAL_MS); 0: off; undefined: the default, a minute. */
  readonly policySweepIntervalMs?: number | undefined;
}

export type { SlackSettings };

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal";

/** Bender's environment variables are wrong: every problem listed, none of them secret. */
export class SettingsError extends Error implements CodedError {
  override readonly name = "SettingsError";
  readonly code = "invalid-settings";
  constructor(readonly problems: readonly string[], options?: CauseOptions) {
    super(`invalid settings:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`, options);
  }
}

/** owner/name of a GitHub repository. */
export const REPOSITORY_PATTERN = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;
/** GHE_HOST: a host name or bracketed IPv6 address, with an optional port (no scheme, no path). */
export const GHE_HOST_PATTERN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Whether `value` is a base URL Slack's WebClient can put method names after
 * (`<base>chat.postMessage`): http(s), a host, an optional path, and nothing
 * else; a query, fragment or credentials would end up in the middle of every
 * request's URL.
 */
function isApiBaseUrl(value: string): boolean {
  return /^https?:\/\/[^/?#@\s]+(?:\/[^?#\s]*)?$/i.test(value) && URL.canParse(value) && new URL(value).hostname !== "";
}

/**
 * A whole number from `min` to `max`, written in decimal digits (no sign, no
 * exponent, no more digits than `max` has); anything else is refused with
 * `message`, which says what is allowed.
 */
function boundedInteger(min: number, max: number, message: string) {
  const digits = new RegExp(`^\\d{1,${String(max).length}}$`);
  return z.string().regex(digits, { error: message })
    .transform(Number).refine((value) => value >= min && value <= max, { error: message });
}

const environmentSchema = z.object({
  APP_ID: z.string({ error: "missing: the GitHub App's ID (a number, on the App's settings page)" })
    .regex(/^\d+$/, { error: "must be the App's numeric ID" }),
  WEBHOOK_SECRET: z.string({ error: "missing: the webhook secret set on the GitHub App" })
    .min(16, { error: "must be at least 16 characters (use a random secret)" }),
  BENDER_BUILD_SECRET: z.string().min(16, { error: "must be at least 16 characters (use a random secret)" }).optional(),
  PORT: boundedInteger(1, 65535, "must be a port number, 1 to 65535").default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  METRICS_PORT: boundedInteger(1, 65535, "must be a port number, 1 to 65535, other than PORT").optional(),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal"], {
    error: "must be one of trace, debug, info, warn, error, fatal",
  }).default("info"),
  GHE_HOST: z.string().regex(GHE_HOST_PATTERN, { error: "must be a host name with an optional port, e.g. github.example.com (no scheme, no path)" }).optional(),
  GHE_PROTOCOL: z.enum(["https", "http"], { error: "must be https or http" }).default("https"),
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-[A-Za-z0-9-]+$/, { error: "must be a bot token (xoxb-…), from the Slack app's OAuth & Permissions page" }).optional(),
  SLACK_SIGNING_SECRET: z.string().regex(/^[0-9a-f]{32}$/, { error: "must be the Slack app's signing secret (32 hex digits, Basic Information page)" }).optional(),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-[A-Za-z0-9-]+$/, { error: "must be an app-level token (xapp-…) with connections:write, for Socket Mode" }).optional(),
  SLACK_API_URL: z
    .string()
    .refine(isApiBaseUrl, { error: "must be an http(s) URL of the Slack Web API, e.g. https://slack.com/api/ (a host and a path: no user:password@, query or #fragment)" })
    .transform((url) => (url.endsWith("/") ? url : `${url}/`))
    .optional(),
  BENDER_WEBHOOK_MAX_BYTES: boundedInteger(1024, 25 * 1024 * 1024, "must be a number of bytes, 1024 to 26214400 (GitHub's 25 MB cap)").optional(),
  BENDER_SHUTDOWN_TIMEOUT_MS: boundedInteger(0, 600_000, "must be a number of milliseconds, 0 to 600000").optional(),
  BENDER_POLICY_SWEEP_INTERVAL_MS: boundedInteger(0, 3_600_000, "must be a number of milliseconds, 0 (off) or 1000 to 3600000")
    .refine((ms) => ms === 0 || ms >= 1000, { error: "must be a number of milliseconds, 0 (off) or 1000 to 3600000" })
    .optional(),
  BENDER_GITHUB_WRITES_PER_MINUTE: boundedInteger(1, 80, "must be a whole number from 1 to 80 (GitHub's secondary limit is 80 a minute)").default(70),
  BENDER_GITHUB_WRITES_PER_HOUR: boundedInteger(1, 500, "must be a whole number from 1 to 500 (GitHub's secondary limit is 500 an hour)").default(450),
  REDIS_URL: z
    .string()
    .refine((url) => /^rediss?:\/\/[^\s]+$/.test(url) && URL.canParse(url), { error: "must be a redis:// or rediss:// URL, e.g. redis://redis:6379/0" })
    .optional(),
  BENDER_ENGINE_WORKERS: boundedInteger(0, 16, "must be a number of worker threads, 0 to 16 (0: the engine runs on the event loop)").optional(),
  BENDER_ENGINE_MEMORY_MB: boundedInteger(32, 4096, "must be a number of megabytes, 32 to 4096").optional(),
  BENDER_ENGINE_FILE_TIMEOUT_MS: boundedInteger(100, 600_000, "must be a number of milliseconds, 100 to 600000").optional(),
  BENDER_MANIFEST_REPOS: z.string().optional().transform((value, context) => {
    if (value === undefined || value.trim() === "") return undefined;
    const repositories = value.split(",").map((item) => item.trim()).filter(Boolean);
    for (const repository of repositories) {
      if (!REPOSITORY_PATTERN.test(repository)) {
        context.addIssue({ code: "custom", message: `"${repository}" is not owner/name; give a comma-separated list like acme/manifests,acme/platform` });
      }
    }
    return repositories;
  }),
});

/** Whether `pem` parses as an RSA private key (GitHub App keys are RSA). */
export function isPrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === "rsa";
  } catch {
    return false;
  }
}

/** GitHub's REST and web base URLs: github.com, or GitHub Enterprise Server at GHE_HOST over GHE_PROTOCOL. */
export function githubUrls(host: string | undefined, protocol: "https" | "http"): { githubApiUrl: string; githubWebUrl: string } {
  return host
    ? { githubApiUrl: `${protocol}://${host}/api/v3`, githubWebUrl: `${protocol}://${host}` }
    : { githubApiUrl: "https://api.github.com", githubWebUrl: "https://github.com" };
}

/**
 * Reads and validates the settings. `env` defaults to the process environment;
 * the private key comes from PRIVATE_KEY (PEM, or base64 of it) or the file
 * at PRIVATE_KEY_PATH.
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = environmentSchema.safeParse(env);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);

  let privateKey: string | null = null;
  // Empty counts as unset: getPrivateKey would otherwise fall back to any .pem file in the working directory.
  const keyText = env.PRIVATE_KEY || undefined;
  const keyPath = env.PRIVATE_KEY_PATH || undefined;
  const which = keyText !== undefined ? "PRIVATE_KEY" : "PRIVATE_KEY_PATH";
  const expected = "expected a PEM private key (-----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----)";
  if (keyText === undefined && keyPath === undefined) {
    problems.push("PRIVATE_KEY or PRIVATE_KEY_PATH: missing: the GitHub App's private key (PEM), or the path of its .pem file");
  } else {
    try {
      privateKey = getPrivateKey({ env: { PRIVATE_KEY: keyText, PRIVATE_KEY_PATH: keyPath } });
      if (!privateKey) problems.push("PRIVATE_KEY or PRIVATE_KEY_PATH: no private key found");
    } catch (error) {
      problems.push(`${which}: ${(error as Error).message.split("\n")[0]}; ${expected}`);
    }
  }
  // getPrivateKey checks only the PEM markers of PRIVATE_KEY, and nothing of a file: parse it, so a bad key fails here
  // rather than at the first webhook. The parser's message is not repeated, in case it quotes the key.
  if (privateKey && !isPrivateKey(privateKey)) {
    problems.push(`${which}: not a readable RSA private key (GitHub App keys are RSA); ${expected}`);
    privateKey = null;
  }
  if (parsed.success && (parsed.data.SLACK_BOT_TOKEN === undefined) !== (parsed.data.SLACK_SIGNING_SECRET === undefined)) {
    const missing = parsed.data.SLACK_BOT_TOKEN === undefined ? "SLACK_BOT_TOKEN" : "SLACK_SIGNING_SECRET";
    problems.push(`${missing}: missing: Slack needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or neither, to run GitHub-only)`);
  }
  if (parsed.success && parsed.data.METRICS_PORT !== undefined && parsed.data.METRICS_PORT === parsed.data.PORT) {
    problems.push("METRICS_PORT: must be a port number, 1 to 65535, other than PORT (it keeps /metrics off the public port)");
  }
  if (!parsed.success || problems.length > 0 || !privateKey) throw new SettingsError(problems);

  const values = parsed.data;
  const host = values.GHE_HOST;
  return {
    appId: Number(values.APP_ID),
    privateKey,
    webhookSecret: values.WEBHOOK_SECRET,
    buildSecret: values.BENDER_BUILD_SECRET,
    port: values.PORT,
    host: values.HOST,
    logLevel: values.LOG_LEVEL,
    ...githubUrls(host, values.GHE_PROTOCOL),
    manifestRepositories: values.BENDER_MANIFEST_REPOS,
    webhookMaxBytes: values.BENDER_WEBHOOK_MAX_BYTES,
    shutdownTimeoutMs: values.BENDER_SHUTDOWN_TIMEOUT_MS,
    githubWritesPerMinute: values.BENDER_GITHUB_WRITES_PER_MINUTE,
    githubWritesPerHour: values.BENDER_GITHUB_WRITES_PER_HOUR,
    redisUrl: values.REDIS_URL,
    engineWorkers: values.BENDER_ENGINE_WORKERS,
    engineMemoryMb: values.BENDER_ENGINE_MEMORY_MB,
    engineFileTimeoutMs: values.BENDER_ENGINE_FILE_TIMEOUT_MS,
    metricsPort: values.METRICS_PORT,
    policySweepIntervalMs: values.BENDER_POLICY_SWEEP_INTERVAL_MS,
    slack:
      values.SLACK_BOT_TOKEN && values.SLACK_SIGNING_SECRET
        ? {
            botToken: values.SLACK_BOT_TOKEN,
            signingSecret: values.SLACK_SIGNING_SECRET,
            appToken: values.SLACK_APP_TOKEN,
            apiUrl: values.SLACK_API_URL ?? "https://slack.com/api/",
          }
        : undefined,
  };
}
