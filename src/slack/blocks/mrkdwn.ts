import type { types } from "@slack/bolt";

/**
 * Slack mrkdwn pieces. Everything that came from GitHub, a payload or a
 * config goes through `escapeMrkdwn` (or `code`), so it can never become a
 * mention, a channel ping or a link; links are only built by `link` from
 * URLs that `safeUrl` accepted.
 */

/** Escapes `&`, `<` and `>`, the three characters Slack reads as control sequences. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Shortens to at most `max` characters (code points), ending in `…`. Cut before escaping, so no entity is split. */
export function truncate(text: string, max: number): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points.slice(0, Math.max(0, max - 1)).join("")}…`;
}

/** Like `truncate`, but keeps the end: the informative part of a path or image name. */
export function truncateStart(text: string, max: number): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `…${points.slice(points.length - Math.max(0, max - 1)).join("")}`;
}

/** One line: newlines and runs of whitespace become a single space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * Text from outside, on one line, escaped and at most `max` characters once
 * escaped (`&` grows to `&amp;`, so the cut is checked after escaping too).
 */
export function inert(text: string, max: number): string {
  return clampMrkdwn(escapeMrkdwn(truncate(oneLine(text), max)), max);
}

/**
 * Escaped text in an inline code span. Slack has no escape for a backtick
 * inside code, so one is shown as a look-alike (ˋ) rather than closing the span.
 */
export function code(text: string, max = 200): string {
  if (text === "") return "_(empty)_";
  return `\`${inert(text, max).replaceAll("`", "ˋ")}\``;
}

/**
 * Cuts already-built mrkdwn to `max` characters without leaving half an
 * entity (`&am`) or half a link (`<https://…`) behind. A guard: builders
 * size their pieces so it rarely has anything to do.
 */
export function clampMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  const open = cut.lastIndexOf("<");
  if (open > cut.lastIndexOf(">")) cut = cut.slice(0, open);
  const ampersand = cut.lastIndexOf("&");
  if (ampersand > cut.lastIndexOf(";")) cut = cut.slice(0, ampersand);
  // A lone high surrogate would make the string invalid UTF-16.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** An http(s) URL fit to sit inside `<…|…>`, or undefined. */
export function safeUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || !URL.canParse(raw)) return undefined;
  const url = new URL(raw);
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  if (url.username !== "" || url.password !== "") return undefined;
  // `URL` percent-encodes spaces, quotes, `<` and `>`; `|` would end the URL early, `&` is escaped as Slack expects.
  return url.href.replaceAll("|", "%7C").replaceAll("&", "&amp;");
}

/** `<url|label>` when the URL is safe, otherwise the escaped label alone. */
export function link(url: string | undefined, label: string): string {
  const safe = safeUrl(url);
  const text = escapeMrkdwn(label).replaceAll("|", "¦");
  return safe === undefined ? text : `<${safe}|${text}>`;
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{8,20}$/;

/** A Slack user ID becomes a mention; anything else (a GitHub login) stays escaped plain text. */
export function person(by: string): string {
  return SLACK_USER_ID.test(by) ? `<@${by}>` : inert(by, 80);
}

/** True for strings such as U012ABCDEF that Slack renders as a user. */
export function isSlackUserId(text: string): boolean {
  return SLACK_USER_ID.test(text);
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * A time each reader sees in their own time zone:
 * `<!date^EPOCH^{date_short_pretty} {time}|ISO>`. Parsed from the string
 * given, never from a clock; text that is not an ISO time is shown escaped.
 */
export function slackDate(iso: string): string {
  const epoch = ISO_TIME.test(iso) ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(epoch)) return inert(iso, 40);
  return `<!date^${Math.floor(epoch / 1000)}^{date_short_pretty} {time}|${iso}>`;
}

/** A mrkdwn text object. `verbatim` stops Slack from auto-linking URLs and channel names found in the text. */
export function mrkdwn(text: string): types.MrkdwnElement {
  return { type: "mrkdwn", text, verbatim: true };
}

/** A plain text object, cut to `max`; emoji codes are left as typed. */
export function plainText(text: string, max: number): types.PlainTextElement {
  return { type: "plain_text", text: truncate(oneLine(text), max), emoji: false };
}
