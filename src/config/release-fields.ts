import { DateTime, IANAZone } from "luxon";
import { z } from "zod";
import { closestKey } from "./closest-key.js";
import { DURATION_RULE, parseDuration } from "./duration.js";
import { expected } from "./fields.js";

/**
 * The leaf values of an environment's release policy (deploy windows,
 * blackouts, approvals, freezers). Like fields.ts, each message says what is
 * wrong and what is allowed.
 */

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Day = (typeof DAYS)[number];

/** 00:00 to 23:59; "24:00" only as a window's end (the end of the day). */
const TIME_OF_DAY = /^(?<hours>[01]\d|2[0-3]):(?<minutes>[0-5]\d)$/;
const END_OF_DAY = "24:00";
const DATE = /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})$/;

/** A blackout range may span at most this many days; longer is a freeze, not a blackout. */
export const MAX_BLACKOUT_DAYS = 366;
export const MAX_WINDOWS = 20;
export const MAX_BLACKOUTS = 100;
export const MAX_APPROVALS = 20;

/** Minutes after midnight of "HH:MM" (1440 for "24:00", which only ends a window), or undefined when it is not a time of day. */
export function minutesOfDay(text: string, end: "opening" | "closing"): number | undefined {
  if (text === END_OF_DAY) return end === "closing" ? 1440 : undefined;
  const groups = TIME_OF_DAY.exec(text)?.groups;
  return groups === undefined ? undefined : Number(groups.hours) * 60 + Number(groups.minutes);
}

/** Whether a time zone name is one the runtime's time zone database knows (IANA names, "UTC"). */
export function isKnownTimeZone(zone: string): boolean {
  // Offsets such as "UTC+1" are refused: they ignore daylight saving, which is what a zone name is for.
  return !/^(?:[+-]|(?:UTC|GMT)[+-])/i.test(zone) && IANAZone.isValidZone(zone);
}

function timeZoneProblem(zone: string): string | undefined {
  if (isKnownTimeZone(zone)) return undefined;
  const suggestion = closestKey(zone, [...Intl.supportedValuesOf("timeZone"), "UTC"]);
  const hint = suggestion === undefined ? "" : ` Did you mean "${suggestion}"?`;
  return `"${zone}" is not a time zone: write an IANA time zone name such as Europe/Berlin, America/New_York or UTC (a name, not an offset, so daylight saving is followed).${hint}`;
}

export const timeZoneSchema = z
  .string({ error: expected("an IANA time zone name, e.g. Europe/Berlin") })
  .superRefine((zone, context) => {
    const problem = timeZoneProblem(zone);
    if (problem !== undefined) context.addIssue({ code: "custom", input: zone, message: problem });
  })
  .describe("An IANA time zone name, e.g. Europe/Berlin, America/New_York or UTC; daylight saving is followed.");

function timeOfDaySchema(allowEndOfDay: boolean): z.ZodString {
  const allowed = allowEndOfDay ? '"HH:MM" from "00:00" to "24:00" (the end of the day)' : '"HH:MM" from "00:00" to "23:59"';
  return z
    .string({ error: expected(`a time of day as text, ${allowed}, e.g. "09:00" (quote it)`) })
    .regex(allowEndOfDay ? /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/ : /^(?:[01]\d|2[0-3]):[0-5]\d$/, {
      error: (issue) => `"${String(issue.input)}" is not a time of day: write ${allowed}, two digits each, e.g. "09:00"`,
    });
}

const daySchema = z.enum(DAYS, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a day: write one of ${DAYS.join(", ")}`,
});

export const windowSchema = z
  .strictObject(
    {
      days: z
        .array(daySchema, { error: expected(`a list of days, e.g. [mon, tue, wed, thu]`) })
        .min(1, { error: `list at least one day: ${DAYS.join(", ")}` })
        .refine((days) => new Set(days).size === days.length, { error: "lists a day twice: name each day once" })
        .describe(`The days the window opens, in its time zone: ${DAYS.join(", ")}.`),
      from: timeOfDaySchema(false).describe('When the window opens on each of its days, "HH:MM" local time, e.g. "09:00".'),
      to: timeOfDaySchema(true).describe('When the window closes, "HH:MM" local time, after from; "24:00" for the end of the day.'),
      timezone: timeZoneSchema.optional().describe("The window's time zone. Default: the environment's timezone."),
    },
    { error: expected('a map with days, from, to, e.g. { days: [mon, tue], from: "09:00", to: "16:00" }') },
  )
  .superRefine((window, context) => {
    const from = minutesOfDay(window.from, "opening");
    const to = minutesOfDay(window.to, "closing");
    if (from === undefined || to === undefined || from < to) return;
    context.addIssue({
      code: "custom",
      path: ["to"],
      input: window.to,
      message: `closes at ${window.to}, not after it opens at ${window.from}: "to" must be later than "from" on the same day; for a window past midnight write two windows, one to "24:00" and one from "00:00"`,
    });
  })
  .describe("A time when pins may land: on these days, from one time to another, in a time zone.");

export type DeployWindow = z.output<typeof windowSchema>;

/** A date or an inclusive range of dates, "YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD". */
export const blackoutSchema = z
  .string({ error: expected('a date "YYYY-MM-DD" or a range "YYYY-MM-DD..YYYY-MM-DD"') })
  .meta({ pattern: "^\\d{4}-\\d{2}-\\d{2}(?:\\.\\.\\d{4}-\\d{2}-\\d{2})?$" })
  .superRefine((written, context) => {
    const problem = blackoutProblem(written);
    if (problem !== undefined) context.addIssue({ code: "custom", input: written, message: problem });
  })
  .describe('A day with no deploy window, "YYYY-MM-DD", or an inclusive range "YYYY-MM-DD..YYYY-MM-DD", in the environment\'s timezone.');

/** The first and last day of a blackout as ISO dates, or undefined when it is not one. */
export function blackoutDays(written: string): { first: string; last: string } | undefined {
  const [first, last = first, extra] = written.split("..");
  if (extra !== undefined || first === undefined || last === undefined || !isDate(first) || !isDate(last)) return undefined;
  return { first, last };
}

function blackoutProblem(written: string): string | undefined {
  const days = blackoutDays(written);
  if (days === undefined) {
    return `"${written}" is not a date or range of dates: write "YYYY-MM-DD" (a real date, e.g. "2026-12-24") or "YYYY-MM-DD..YYYY-MM-DD" (both days included)`;
  }
  const span = DateTime.fromISO(days.last, { zone: "UTC" }).diff(DateTime.fromISO(days.first, { zone: "UTC" }), "days").days;
  if (span < 0) return `ends on ${days.last}, before it starts on ${days.first}: write the earlier date first`;
  if (span + 1 > MAX_BLACKOUT_DAYS) return `spans ${span + 1} days; a blackout spans at most ${MAX_BLACKOUT_DAYS} (freeze the environment instead)`;
  return undefined;
}

function isDate(text: string): boolean {
  return DATE.test(text) && DateTime.fromISO(text, { zone: "UTC" }).isValid;
}

export const durationSchema = z
  .string({ error: expected(`a duration as text: ${DURATION_RULE}`) })
  .meta({ pattern: "^(?:\\d{1,3}d)?(?:\\d{1,4}h)?(?:\\d{1,6}m)?$" })
  .refine((text) => parseDuration(text) !== undefined, {
    error: (issue) => `"${String(issue.input)}" is not a duration: ${DURATION_RULE}`,
  });

export const approvalsSchema = z
  .number({ error: expected(`a whole number from 1 to ${MAX_APPROVALS}`) })
  .int({ error: `must be a whole number from 1 to ${MAX_APPROVALS}` })
  .min(1, { error: `must be at least 1 (one person's Pin merges)` })
  .max(MAX_APPROVALS, { error: `must be at most ${MAX_APPROVALS}` })
  .describe("How many distinct approvers must press Pin before the merge (the merge happens on the last). Default: 1.");
