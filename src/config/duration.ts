/**
 * Durations as people write them in `.github/bender.yml` and in Slack: whole
 * days, hours and minutes, largest unit first ("24h", "1d12h", "90m").
 * Seconds are left out on purpose: release policy works in minutes.
 */
const DURATION = /^(?:(?<days>\d{1,3})d)?(?:(?<hours>\d{1,4})h)?(?:(?<minutes>\d{1,6})m)?$/;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** The longest duration accepted anywhere in release policy: a year. */
export const MAX_DURATION_MS = 366 * DAY_MS;

export const DURATION_RULE = 'write whole days, hours and minutes, largest first, e.g. "30m", "24h", "1d12h" (at least 1 minute, at most 366 days)';

/** A written duration in milliseconds, or undefined when it does not follow DURATION_RULE. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  const groups = match?.groups;
  if (groups === undefined || (groups.days ?? groups.hours ?? groups.minutes) === undefined) return undefined;
  const ms = Number(groups.days ?? 0) * DAY_MS + Number(groups.hours ?? 0) * HOUR_MS + Number(groups.minutes ?? 0) * MINUTE_MS;
  return ms >= MINUTE_MS && ms <= MAX_DURATION_MS ? ms : undefined;
}

/**
 * A span for people: "2 h 10 min", "3 d 4 h", "45 min", "less than a minute".
 * Two units at most, rounded down to the minute; spans over a day drop the minutes.
 */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / MINUTE_MS);
  if (minutes < 1) return "less than a minute";
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return rest > 0 ? `${hours} h ${rest} min` : `${hours} h`;
  return `${rest} min`;
}
