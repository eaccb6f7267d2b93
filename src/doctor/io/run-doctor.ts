import { readFile } from "node:fs/promises";
import path from "node:path";
import { Probot } from "probot";
import { pino } from "pino";
import { PRODUCTION_RETRY_POLICY, benderOctokit } from "../../github/octokit.js";
import type { RetryPolicy } from "../../github/octokit.js";
import { SettingsError, readSettings } from "../../server/settings.js";
import type { Settings } from "../../server/settings.js";
import { doctorReport, failed, judged, passed, skipped, warned } from "../report.js";
import type { CheckResult, DoctorReport, Finding } from "../report.js";
import { githubChecks } from "./github-checks.js";
import { slackChecks } from "./slack-checks.js";

/** Bender's package root, where app.yml lives (this file is <root>/{src,dist}/doctor/io/). */
const PACKAGE_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..");

export interface DoctorOptions {
  /** The build webhook must be on: CI sends builds to POST /api/builds (`--builds`). */
  readonly requireBuildWebhook?: boolean;
  /** GitHub retries; tests turn them off. */
  readonly retry?: RetryPolicy;
  readonly appYmlPath?: string;
}

/** A doctor waits for no rate limit: it reports. */
const DOCTOR_RETRY: RetryPolicy = { ...PRODUCTION_RETRY_POLICY, serverErrorRetries: 1, maxLimitWaitSeconds: 0 };

/**
 * `bender doctor`: 1. settings, 2. GitHub (JWT, permissions, installations, configs), 3. Slack (token, channels,
 * approvers), 4. the build webhook. A check that cannot run says why and is not counted as passed.
 */
export async function runDoctor(env: NodeJS.ProcessEnv, options: DoctorOptions = {}): Promise<DoctorReport> {
  // 1. Settings: Bender's own reader, so the doctor and the server agree.
  let settings: Settings;
  try {
    settings = readSettings(env);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    const findings = error.problems.map((problem) => ({ problem, fix: "set it in .env or the environment (.env.example and docs/settings.md describe each variable; `npm start` with none set serves the set-up page)" }));
    const because = "needs the settings check to pass";
    return doctorReport([failed("settings", findings), ...(["github-app", "app-permissions", "installations", "configs", "slack-token", "slack-channels", "slack-approvers", "build-webhook"] as const).map((id) => skipped(id, because))]);
  }
  const checks: CheckResult[] = [judged("settings", proxyProblems(env.WEBHOOK_PROXY_URL), `well-formed (GitHub at ${settings.githubApiUrl}; Slack ${settings.slack ? "on" : "off"})`)];

  // 2. GitHub, through Probot's App auth and Bender's Octokit.
  const probot = new Probot({
    appId: settings.appId,
    privateKey: settings.privateKey,
    baseUrl: settings.githubApiUrl,
    log: pino({ level: "silent" }),
    Octokit: benderOctokit(options.retry ?? DOCTOR_RETRY),
  });
  const appYml = await readFile(options.appYmlPath ?? path.join(PACKAGE_ROOT, "app.yml"), "utf8");
  const github = await githubChecks(probot, settings, appYml, pino({ level: "silent" }));
  checks.push(...github.checks);

  // 3. Slack, with the configs GitHub gave.
  checks.push(...(await slackChecks(settings.slack, github.configs, github.configsUnknown)));

  // 4. The build webhook.
  checks.push(buildWebhookCheck(settings, options.requireBuildWebhook ?? false));
  return doctorReport(checks);
}

function proxyProblems(url: string | undefined): Finding[] {
  if (!url) return [];
  if (/^https?:\/\/[^/\s]+\/\S+$/.test(url) && URL.canParse(url)) return [];
  return [{ problem: "WEBHOOK_PROXY_URL: must be the URL of a smee.io channel, e.g. https://smee.io/AbC123", fix: "create a channel at https://smee.io/new and copy its URL, or unset WEBHOOK_PROXY_URL" }];
}

function buildWebhookCheck(settings: Settings, required: boolean): CheckResult {
  if (settings.buildSecret) return passed("build-webhook", "POST /api/builds is on (BENDER_BUILD_SECRET is set)");
  const finding = { problem: "BENDER_BUILD_SECRET is not set: POST /api/builds answers 404, so CI cannot send builds to it", fix: "set BENDER_BUILD_SECRET to a random secret of 16+ characters (openssl rand -hex 32) and give CI the same secret (docs/builds.md)" };
  if (required) return failed("build-webhook", [finding]);
  return warned("build-webhook", "POST /api/builds is off (no BENDER_BUILD_SECRET); fine when builds arrive as GitHub package events or repository_dispatch (use --builds to require it)");
}
