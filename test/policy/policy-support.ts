import { parseConfig } from "../../src/config/index.js";
import { releasePolicyFor } from "../../src/policy/index.js";
import type { ReleasePolicy } from "../../src/policy/index.js";

/** Milliseconds of an ISO time, failing loudly on a typo. */
export function at(iso: string): number {
  const instant = Date.parse(iso);
  if (Number.isNaN(instant)) throw new Error(`bad instant ${iso}`);
  return instant;
}

/** The release policy of a config with one environment named `name` whose body (below its paths) is `body`. */
export function policyOf(body: string, name = "production"): ReleasePolicy {
  const result = parseConfig(`environments:\n  ${name}:\n    paths: [clusters/${name}]\n${body.replace(/^/gm, "    ")}\n`);
  if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2));
  const policy = releasePolicyFor(result.config, name);
  if (policy === undefined) throw new Error(`no environment ${name}`);
  return policy;
}

/** Mon-Thu 09:00-16:00 in Berlin, 2 approvals from three people that expire after a day. */
export const PRODUCTION = [
  "timezone: Europe/Berlin",
  'windows: [{ days: [mon, tue, wed, thu], from: "09:00", to: "16:00" }]',
  'blackouts: ["2026-12-24"]',
  "approvals: 2",
  "approvalsExpireAfter: 24h",
  "slack: { channel: '#deploys', approvers: [U0ALICE001, U0BOB00001, U0CAROL001] }",
].join("\n");
