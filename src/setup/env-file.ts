import { parseEnv } from "node:util";

/** What merging new values into a .env file did. */
export interface EnvMerge {
  /** The new file's text. */
  readonly text: string;
  /** Keys added. */
  readonly written: readonly string[];
  /** Keys left as they were because the file already had a value for them. */
  readonly kept: readonly string[];
}

/**
 * A value as a .env line can hold it: double-quoted with `\n` for line breaks (the form Node's
 * `process.loadEnvFile` and dotenv read back), or bare when it has nothing to quote.
 */
export function formatEnvValue(value: string): string {
  if (/^[A-Za-z0-9_./:@+=,-]*$/.test(value)) return value;
  if (value.includes('"')) throw new Error("a .env value cannot hold a double quote");
  return `"${value.replace(/\r?\n/g, "\\n")}"`;
}

/**
 * Adds `values` to the text of a .env file: a key the file already gives a non-empty value keeps it
 * (nothing a person wrote is overwritten); an empty one (`KEY=`) is filled in place; the rest are appended.
 */
export function mergeEnvFile(existing: string, values: Readonly<Record<string, string>>): EnvMerge {
  const current = parseEnv(existing);
  const written: string[] = [];
  const kept: string[] = [];
  let lines = existing === "" ? [] : existing.replace(/\r?\n$/, "").split(/\r?\n/);
  for (const [key, value] of Object.entries(values)) {
    if (current[key] !== undefined && current[key] !== "") {
      kept.push(key);
      continue;
    }
    const line = `${key}=${formatEnvValue(value)}`;
    const emptyAt = lines.findIndex((text) => new RegExp(`^\\s*(?:export\\s+)?${key}\\s*=\\s*(?:""|'')?\\s*$`).test(text));
    if (emptyAt >= 0) lines = lines.map((text, index) => (index === emptyAt ? line : text));
    else lines.push(line);
    written.push(key);
  }
  return { text: lines.length === 0 ? "" : `${lines.join("\n")}\n`, written, kept };
}
