import type { ConfigProblem } from "./problem.js";

/** Markdown characters that could turn a message into links, emphasis, HTML or mentions. */
const MARKDOWN_SPECIAL = /[\\`*_{}[\]()#+\-.!|<>~@&]/g;
/** GitHub refuses check run output above 65,535 characters; stay well below with room for the caller. */
const MAX_OUTPUT_LENGTH = 60_000;

/**
 * Renders problems as a Markdown list for a check run's output, one line each:
 * `file:line` `path` — message (`value`). Values and paths are code spans and
 * messages are escaped, since both may repeat what the file's author wrote.
 */
export function renderProblems(problems: readonly ConfigProblem[]): string {
  const lines: string[] = [];
  let length = 0;
  for (const [index, problem] of problems.entries()) {
    const line = renderProblem(problem);
    if (length + line.length > MAX_OUTPUT_LENGTH) {
      lines.push(`- … and ${problems.length - index} more`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join("\n");
}

/** One line for a check run title or a log: "3 problems in .github/bender.yml". */
export function summarizeProblems(problems: readonly ConfigProblem[]): string {
  const files = [...new Set(problems.map((problem) => problem.file))];
  const count = `${problems.length} ${problems.length === 1 ? "problem" : "problems"}`;
  if (files.length === 0) return "no problems";
  if (files.length === 1) return `${count} in ${files[0] ?? ""}`;
  return `${count} in ${files.length} files`;
}

function renderProblem({ file, line, path, message, value }: ConfigProblem): string {
  const where = codeSpan(line === undefined ? file : `${file}:${line}`);
  const at = path === "" ? "" : ` ${codeSpan(path)}`;
  const shown = value === undefined ? "" : ` (${codeSpan(value)})`;
  return `- ${where}${at} — ${escapeMarkdown(message)}${shown}`;
}

/** Escapes every character Markdown gives a meaning to, so text shows as written. */
export function escapeMarkdown(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(MARKDOWN_SPECIAL, (character) => `\\${character}`);
}

/**
 * A code span that holds any text: the fence is one backtick longer than the
 * longest run inside, padded with spaces when the text starts or ends with a
 * backtick (CommonMark §6.1).
 */
export function codeSpan(text: string): string {
  const flat = text.replace(/\r?\n/g, " ");
  if (flat === "") return "` `";
  const longestRun = Math.max(0, ...[...flat.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = "`".repeat(longestRun + 1);
  const padding = flat.startsWith("`") || flat.endsWith("`") || (flat.startsWith(" ") && flat.endsWith(" ")) ? " " : "";
  return `${fence}${padding}${flat}${padding}${fence}`;
}
