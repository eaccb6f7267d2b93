import { DateTime } from "luxon";
import { DAYS, DURATION_RULE, MAX_DURATION_MS, parseDuration } from "../config/index.js";
import { displayZone } from "./can-pin.js";
import { MAX_REASON } from "./freezes.js";
import type { Freeze } from "./freezes.js";
import type { ReleasePolicy } from "./release-policy.js";

/**
 * The words after `/bender freeze` and `/bender thaw`, read into what to
 * write. Pure: the caller checks that the person is a freezer, writes the
 * file and announces it.
 *
 *   freeze <environment> [for <duration> | until <time>] <reason>
 *   thaw <environment>
 *
 * `<time>` is read in the environment's zone: "16:00" (the next time the
 * clock shows it), "mon 09:00", "2026-12-01", "2026-12-01 09:00", or an ISO
 * time with its offset ("2026-12-01T09:00:00Z").
 */
export type FreezeCommand = { readonly ok: true; readonly freeze: Freeze } | { readonly ok: false; readonly message: string };
export type ThawCommand = { readonly ok: true; readonly environment: string } | { readonly ok: false; readonly message: string };

export const FREEZE_USAGE = "/bender freeze <environment> [for <duration> | until <time>] <reason>, e.g. /bender freeze production for 2h load test";

const FREEZE = /^\s*(?<environment>\S+)(?:\s+(?:for\s+(?<duration>\S+)|until\s+(?<until>(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?|[a-z]{3,9}\s+\d{2}:\d{2}|\d{2}:\d{2}))))?(?:\s+(?<reason>.*\S))?\s*$/is;

/** Reads `/bender freeze …` from `by` at `now` into the freeze to write, or says what is wrong and what is allowed. */
export function parseFreezeCommand(text: string, by: string, now: number, policies: readonly ReleasePolicy[]): FreezeCommand {
  const groups = FREEZE.exec(text)?.groups;
  if (groups === undefined) return { ok: false, message: `Write ${FREEZE_USAGE}` };
  const policy = policyNamed(groups.environment ?? "", policies);
  if (typeof policy === "string") return { ok: false, message: policy };
  const reason = (groups.reason ?? "").replace(/\s+/g, " ");
  if (reason === "") return { ok: false, message: `Say why, so the channel knows: ${FREEZE_USAGE}` };
  if (reason.length > MAX_REASON) return { ok: false, message: `The reason is ${reason.length} characters; keep it to ${MAX_REASON}.` };
  const since = new Date(now).toISOString();
  if (groups.duration !== undefined) {
    const ms = parseDuration(groups.duration);
    if (ms === undefined) return { ok: false, message: `"${groups.duration}" is not a duration: ${DURATION_RULE}.` };
    return { ok: true, freeze: { environment: policy.environment, by, reason, since, until: new Date(now + ms).toISOString() } };
  }
  if (groups.until !== undefined) {
    const until = parseUntil(groups.until, displayZone(policy), now);
    if (typeof until === "string") return { ok: false, message: until };
    return { ok: true, freeze: { environment: policy.environment, by, reason, since, until: new Date(until).toISOString() } };
  }
  return { ok: true, freeze: { environment: policy.environment, by, reason, since } };
}

/** Reads `/bender thaw <environment>`. */
export function parseThawCommand(text: string, policies: readonly ReleasePolicy[]): ThawCommand {
  const words = text.trim().split(/\s+/);
  if (words.length !== 1 || words[0] === "") return { ok: false, message: "Write /bender thaw <environment>, e.g. /bender thaw production" };
  const policy = policyNamed(words[0] ?? "", policies);
  return typeof policy === "string" ? { ok: false, message: policy } : { ok: true, environment: policy.environment };
}

function policyNamed(name: string, policies: readonly ReleasePolicy[]): ReleasePolicy | string {
  const policy = policies.find((candidate) => candidate.environment === name);
  if (policy !== undefined) return policy;
  const names = policies.map((candidate) => candidate.environment);
  return `"${name.slice(0, 40)}" is not an environment here: use ${names.length === 0 ? "an environment of .github/bender.yml" : `one of ${names.join(", ")}`}.`;
}

/** An end time in `zone` after `now`, or why it cannot be one. */
function parseUntil(written: string, zone: string, now: number): number | string {
  const local = DateTime.fromMillis(now, { zone });
  let until: DateTime | undefined;
  const clock = /^(?:(?<day>[a-z]{3,9})\s+)?(?<hour>\d{2}):(?<minute>\d{2})$/i.exec(written)?.groups;
  if (clock !== undefined) {
    const hour = Number(clock.hour);
    const minute = Number(clock.minute);
    if (hour > 23 || minute > 59) return `"${written}" is not a time of day: write HH:MM from 00:00 to 23:59.`;
    const weekday = clock.day === undefined ? undefined : DAYS.findIndex((day) => clock.day?.toLowerCase().startsWith(day)) + 1;
    if (weekday === 0) return `"${clock.day ?? ""}" is not a day: write one of ${DAYS.join(", ")}.`;
    for (let ahead = 0; ahead <= 7 && until === undefined; ahead++) {
      const candidate = local.plus({ days: ahead }).set({ hour, minute, second: 0, millisecond: 0 });
      if (candidate.toMillis() > now && (weekday === undefined || candidate.weekday === weekday)) until = candidate;
    }
  } else {
    until = DateTime.fromISO(written.replace(" ", "T"), { zone, setZone: false });
  }
  if (until === undefined || !until.isValid) return `"${written}" is not a time: write HH:MM, a day and HH:MM ("mon 09:00"), YYYY-MM-DD, "YYYY-MM-DD HH:MM", or an ISO time.`;
  if (until.toMillis() <= now) return `${written} has passed: name a time in the future.`;
  if (until.toMillis() - now > MAX_DURATION_MS) return `${written} is more than a year away; freeze without an end and thaw by hand.`;
  return until.toMillis();
}
