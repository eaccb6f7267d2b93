import { DateTime } from "luxon";
import { DAY_MS, formatDuration } from "../config/index.js";

/**
 * Instants for people, in the environment's zone: "Mon 09:00 CET" within the
 * coming week, "Mon 4 Jan 09:00 CET" beyond it. Always in English, so a
 * message reads the same on every replica whatever its locale.
 */
export function renderInstant(instant: number, zone: string, now: number): string {
  const local = DateTime.fromMillis(instant, { zone, locale: "en-GB" });
  const pattern = instant - now < 6 * DAY_MS ? "ccc HH:mm" : instant - now < 300 * DAY_MS ? "ccc d LLL HH:mm" : "ccc d LLL yyyy HH:mm";
  return `${local.toFormat(pattern)} ${zoneAbbreviation(local)}`;
}

/** "opens Mon 09:00 CET, in 2 h 10 min". */
export function renderOpening(opensAt: number, zone: string, now: number): string {
  return `opens ${renderInstant(opensAt, zone, now)}, in ${formatDuration(opensAt - now)}`;
}

/** "until Mon 09:00 CET (in 2 h 10 min)". */
export function renderUntil(until: number, zone: string, now: number): string {
  return `until ${renderInstant(until, zone, now)} (in ${formatDuration(until - now)})`;
}

/**
 * The zone's short name at that instant: the one English speakers use where
 * the time zone database has one (CET, CEST, EST, PDT, UTC), else the offset
 * (GMT+5:30). Tried in American then British English, which between them
 * name the common zones of both sides of the Atlantic.
 */
export function zoneAbbreviation(local: DateTime): string {
  const american = local.setLocale("en-US").toFormat("ZZZZ");
  if (!american.startsWith("GMT")) return american;
  return local.setLocale("en-GB").toFormat("ZZZZ");
}
