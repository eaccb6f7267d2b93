/** Escapes text for Markdown prose: nothing from a payload may become a link, a mention or markup. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~@&]/g, (character) => `\\${character}`);
}

/** Text as an inline code span inside a table cell: long enough fences, and `|` escaped so the table holds. */
export function codeCell(text: string): string {
  const longestRun = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = "`".repeat(longestRun + 1);
  const padded = text.startsWith("`") || text.endsWith("`") ? ` ${text} ` : text;
  return `${fence}${padded.replaceAll("|", "\\|")}${fence}`;
}
