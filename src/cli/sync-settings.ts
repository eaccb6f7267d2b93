import { getPrivateKey } from "@probot/get-private-key";
import { z } from "zod";
import { GHE_HOST_PATTERN, REPOSITORY_PATTERN, githubUrls, isPrivateKey } from "../server/settings.js";
import { parseDuration } from "../sync/duration.js";
import type { SyncJob } from "../sync/run-sync.js";
import type { SyncGitHubAuth } from "../github/sync-client.js";

/** How `bender sync` reaches GitHub: as the GitHub App (installation looked up, or remembered) or with a token. */
export type { SyncGitHubAuth };

/** Every setting of one `bender sync` process, validated: what each run is asked to do, and how the process runs. */
export interface SyncSettings extends Omit<SyncJob, "budgets"> {
  /** Undefined: one run (`--once`, the CronJob); otherwise the pause between runs in milliseconds. */
  readonly watchMs: number | undefined;
  readonly json: boolean;
  readonly githubApiUrl: string;
  readonly auth: SyncGitHubAuth;
}

/** The flags of `bender sync`, as node:util parseArgs reads them; each also comes from BENDER_SYNC_<FLAG>. */
export const SYNC_FLAGS = {
  repository: { type: "string" },
  ref: { type: "string" },
  path: { type: "string", multiple: true },
  environment: { type: "string" },
  cluster: { type: "string" },
  namespace: { type: "string" },
  once: { type: "boolean" },
  watch: { type: "string" },
  "dry-run": { type: "boolean" },
  prune: { type: "boolean" },
  wait: { type: "boolean" },
  timeout: { type: "string" },
  "full-every": { type: "string" },
  json: { type: "boolean" },
  "default-namespace": { type: "string" },
  force: { type: "boolean" },
  "allow-mass-prune": { type: "boolean" },
  "prune-protected-kinds": { type: "boolean" },
} as const;

export type SyncFlagName = keyof typeof SYNC_FLAGS;
export type SyncFlagValues = { [K in SyncFlagName]?: (typeof SYNC_FLAGS)[K] extends { multiple: true } ? string[] : (typeof SYNC_FLAGS)[K]["type"] extends "boolean" ? boolean : string };

export class SyncSettingsError extends Error {
  override readonly name = "SyncSettingsError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid settings (nothing was touched):\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
  }
}

/** BENDER_SYNC_DRY_RUN for --dry-run. */
export function envName(flag: SyncFlagName): string {
  return `BENDER_SYNC_${flag.toUpperCase().replaceAll("-", "_")}`;
}

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62})$/;
const duration = (what: string) =>
  z.string().transform((text, context) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      context.addIssue({ code: "custom", message: `"${text}" is not a duration; ${what}` });
      return z.NEVER;
    }
    return ms;
  });

const flagSchema = z.object({
  repository: z.string({ error: "missing: the manifest repository, owner/name" }).regex(REPOSITORY_PATTERN, { error: "must be owner/name, e.g. acme/manifests" }),
  ref: z.string().regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]{1,255}$/, { error: "must be a branch, tag or commit sha (letters, digits, . _ / -)" }).default("main"),
  path: z
    .array(z.string().refine((value) => normalisePath(value) !== undefined, { error: "must be a folder inside the repository (relative, no ..)" }), {
      error: "missing: at least one folder of the repository to apply (--path, repeatable; BENDER_SYNC_PATH takes a comma-separated list)",
    })
    .min(1, { error: "missing: at least one folder of the repository to apply" }),
  environment: z.string({ error: "missing: the environment of .github/bender.yml this cluster serves" }).regex(NAME, { error: "must be an environment name (letters, digits, . _ -)" }),
  cluster: z.string({ error: "missing: this cluster's name, as Slack shows it (\"live on <cluster>\")" }).regex(NAME, { error: "must be a cluster name (letters, digits, . _ -)" }),
  namespace: z.string({ error: "missing: the namespace for the state and the Lease (default: the pod's own, unknown outside a cluster)" }).regex(DNS_LABEL, { error: "must be a Kubernetes namespace name (lowercase letters, digits, -)" }),
  once: z.boolean().default(false),
  watch: duration("give the pause between runs, e.g. 10s, 1m (at least 1s)").refine((ms) => ms >= 1000, { error: "must be at least 1s" }).optional(),
  "dry-run": z.boolean().default(false),
  prune: z.boolean().default(false),
  wait: z.boolean().default(false),
  timeout: duration("give how long to wait for rollouts, e.g. 5m").default(300_000),
  "full-every": duration("give how often to re-apply everything, e.g. 1h").default(3_600_000),
  json: z.boolean().default(false),
  "default-namespace": z.string().regex(DNS_LABEL, { error: "must be a Kubernetes namespace name (lowercase letters, digits, -)" }).optional(),
  force: z.boolean().default(false),
  "allow-mass-prune": z.boolean().default(false),
  "prune-protected-kinds": z.boolean().default(false),
});

const authSchema = z.object({
  GITHUB_TOKEN: z.string().regex(/^[\x21-\x7e]{20,255}$/, { error: "must be a GitHub token (printable, no spaces)" }).optional(),
  APP_ID: z.string().regex(/^\d+$/, { error: "must be the App's numeric ID" }).optional(),
});

const hostSchema = z.object({
  GHE_HOST: z.string().regex(GHE_HOST_PATTERN, { error: "must be a host name with an optional port, e.g. github.example.com (no scheme, no path)" }).optional(),
  GHE_PROTOCOL: z.enum(["https", "http"], { error: "must be https or http" }).default("https"),
});

/** A repository folder as tar entries name it ("clusters/prod"), or undefined when it leaves the repository. */
export function normalisePath(value: string): string | undefined {
  const parts = value.split("/").filter((part) => part !== "" && part !== ".");
  if (value.startsWith("/") || parts.some((part) => part === ".." || part.includes("\\"))) return undefined;
  return parts.join("/");
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off", ""]);

/**
 * Flags win over BENDER_SYNC_* variables. A boolean variable takes true/false
 * (1/0, yes/no); BENDER_SYNC_PATH a comma-separated list; BENDER_SYNC_WATCH
 * true or an interval.
 */
function mergeFlags(flags: SyncFlagValues, env: NodeJS.ProcessEnv, problems: string[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(SYNC_FLAGS) as [SyncFlagName, { type: string; multiple?: boolean }][]) {
    const given = flags[flag];
    if (given !== undefined) {
      merged[flag] = given;
      continue;
    }
    const raw = env[envName(flag)];
    if (raw === undefined) continue;
    if (spec.multiple) merged[flag] = raw.split(",").map((item) => item.trim()).filter(Boolean);
    else if (flag === "watch") merged[flag] = TRUE.has(raw.toLowerCase()) ? "" : FALSE.has(raw.toLowerCase()) ? undefined : raw;
    else if (spec.type === "boolean") {
      if (TRUE.has(raw.toLowerCase())) merged[flag] = true;
      else if (FALSE.has(raw.toLowerCase())) merged[flag] = false;
      else problems.push(`${envName(flag)}: "${raw}" is not true or false`);
    } else merged[flag] = raw;
  }
  // A bare --watch means the default interval.
  if (merged.watch === "") merged.watch = "10s";
  return merged;
}

function describe(issue: z.core.$ZodIssue): string {
  const [flag, index] = issue.path as [string, number | undefined];
  const where = `--${flag}${index === undefined ? "" : ` #${index + 1}`} (${envName(flag as SyncFlagName)})`;
  return `${where}: ${issue.message}`;
}

function readAuth(env: NodeJS.ProcessEnv, values: z.infer<typeof authSchema> | undefined, problems: string[]): SyncGitHubAuth | undefined {
  const keyText = env.PRIVATE_KEY || undefined;
  const keyPath = env.PRIVATE_KEY_PATH || undefined;
  if (values?.APP_ID !== undefined) {
    if (keyText === undefined && keyPath === undefined) {
      problems.push("PRIVATE_KEY or PRIVATE_KEY_PATH: missing: APP_ID is set, so the App's private key (PEM) is needed too");
      return undefined;
    }
    let privateKey: string | null = null;
    try {
      privateKey = getPrivateKey({ env: { PRIVATE_KEY: keyText, PRIVATE_KEY_PATH: keyPath } });
    } catch (error) {
      problems.push(`${keyText !== undefined ? "PRIVATE_KEY" : "PRIVATE_KEY_PATH"}: ${(error as Error).message.split("\n")[0]}`);
      return undefined;
    }
    if (!privateKey || !isPrivateKey(privateKey)) {
      problems.push(`${keyText !== undefined ? "PRIVATE_KEY" : "PRIVATE_KEY_PATH"}: not a readable RSA private key (GitHub App keys are RSA)`);
      return undefined;
    }
    return { kind: "app", appId: Number(values.APP_ID), privateKey };
  }
  if (values?.GITHUB_TOKEN !== undefined) return { kind: "token", token: values.GITHUB_TOKEN };
  if (values) problems.push("GitHub access: missing: set APP_ID with PRIVATE_KEY or PRIVATE_KEY_PATH (the GitHub App), or GITHUB_TOKEN");
  return undefined;
}

/**
 * Validates every setting at once: every bad one is named (flag and
 * variable), secrets are never echoed. `podNamespace` is the namespace the
 * pod runs in, when known.
 */
export function readSyncSettings(flags: SyncFlagValues, env: NodeJS.ProcessEnv, podNamespace?: string): SyncSettings {
  const problems: string[] = [];
  const merged = mergeFlags(flags, env, problems);
  if (merged.namespace === undefined && podNamespace !== undefined) merged.namespace = podNamespace;
  if (merged.once === true && merged.watch !== undefined) problems.push("--once and --watch: choose one (--once runs once, for a CronJob; --watch keeps running)");
  const parsed = flagSchema.safeParse(merged);
  if (!parsed.success) problems.push(...parsed.error.issues.map(describe));
  const access = authSchema.safeParse(env);
  const github = hostSchema.safeParse(env);
  for (const result of [access, github]) {
    if (!result.success) problems.push(...result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const auth = readAuth(env, access.success ? access.data : undefined, problems);
  if (problems.length > 0 || !parsed.success || !github.success || !auth) throw new SyncSettingsError(problems);

  const values = parsed.data;
  return {
    repository: values.repository,
    ref: values.ref,
    paths: [...new Set(values.path.map((item) => normalisePath(item) ?? ""))],
    environment: values.environment,
    cluster: values.cluster,
    namespace: values.namespace,
    watchMs: values.watch,
    dryRun: values["dry-run"],
    prune: values.prune,
    wait: values.wait,
    timeoutMs: values.timeout,
    fullEveryMs: values["full-every"],
    json: values.json,
    defaultNamespace: values["default-namespace"],
    force: values.force,
    allowMassPrune: values["allow-mass-prune"],
    pruneProtectedKinds: values["prune-protected-kinds"],
    githubApiUrl: githubUrls(github.data.GHE_HOST, github.data.GHE_PROTOCOL).githubApiUrl,
    auth,
  };
}
