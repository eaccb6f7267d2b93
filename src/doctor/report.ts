/** The checks `bender doctor` runs, in order; later ones need what earlier ones found. */
const CHECKS = {
  settings: "settings present and well-formed",
  "github-app": "the private key mints a JWT GitHub accepts (GET /app)",
  "app-permissions": "the App's permissions and events match app.yml",
  installations: "the App is installed on the manifest repositories",
  configs: "each .github/bender.yml is valid",
  "slack-token": "the Slack bot token works (auth.test)",
  "slack-channels": "the bot is a member of every configured channel",
  "slack-approvers": "every approver user and user group exists",
  "build-webhook": "the build webhook secret is set if /api/builds is used",
} as const;

export type CheckId = keyof typeof CHECKS;

/** pass: fine; warn: fine, with something to know; fail: a problem; skipped: could not be run (offline, or an earlier check failed). */
export type CheckStatus = "pass" | "warn" | "fail" | "skipped";

/** One thing wrong, and what to do about it. */
export interface Finding {
  readonly problem: string;
  readonly fix: string;
}

export interface CheckResult {
  readonly id: CheckId;
  readonly title: string;
  readonly status: CheckStatus;
  /** What was found (pass/warn) or why the check did not run (skipped). */
  readonly detail?: string;
  readonly findings: readonly Finding[];
}

export interface DoctorReport {
  /** True only when every check passed (or passed with a warning). */
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
}

export function passed(id: CheckId, detail: string): CheckResult {
  return { id, title: CHECKS[id], status: "pass", detail, findings: [] };
}
export function warned(id: CheckId, detail: string, findings: readonly Finding[] = []): CheckResult {
  return { id, title: CHECKS[id], status: "warn", detail, findings };
}
export function failed(id: CheckId, findings: readonly Finding[]): CheckResult {
  return { id, title: CHECKS[id], status: "fail", findings };
}
export function skipped(id: CheckId, because: string): CheckResult {
  return { id, title: CHECKS[id], status: "skipped", detail: because, findings: [] };
}
/** A check whose findings decide it: none is a pass with `detail`. */
export function judged(id: CheckId, findings: readonly Finding[], detail: string): CheckResult {
  return findings.length === 0 ? passed(id, detail) : failed(id, findings);
}

export function doctorReport(checks: readonly CheckResult[]): DoctorReport {
  return { ok: checks.every((check) => check.status === "pass" || check.status === "warn"), checks };
}

const MARK: Record<CheckStatus, string> = { pass: "ok  ", warn: "warn", fail: "FAIL", skipped: "skip" };

/** The report for a person: one line per check, then each problem with its fix, then what could not be run. */
export function renderReport(report: DoctorReport): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${MARK[check.status]}  ${check.id}: ${check.detail ?? check.title}`);
    for (const finding of check.findings) {
      lines.push(`      problem: ${finding.problem}`, `      fix:     ${finding.fix}`);
    }
  }
  const failures = report.checks.filter((check) => check.status === "fail").length;
  const notRun = report.checks.filter((check) => check.status === "skipped").map((check) => check.id);
  lines.push("");
  if (report.ok) lines.push("All checks passed.");
  else {
    if (failures > 0) lines.push(`${failures} ${failures === 1 ? "check" : "checks"} failed.`);
    if (notRun.length > 0) lines.push(`Not run: ${notRun.join(", ")} (see the reason on each line); run bender doctor again once they can run.`);
  }
  return `${lines.join("\n")}\n`;
}
