import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SYNC_FLAGS, envName } from "../../src/cli/sync-settings.js";
import type { SyncFlagName } from "../../src/cli/sync-settings.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** Read by the code but not a setting of Bender's: the shell's search path. */
const NOT_SETTINGS = new Set(["PATH"]);

function sources(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Every environment variable the code reads: env.X / env["X"] anywhere, the keys of the zod settings schemas (`z.…` or `boundedInteger(…)`), BENDER_SYNC_<FLAG>. */
function variablesRead(): Set<string> {
  const names = new Set<string>();
  for (const file of sources(path.join(ROOT, "src"))) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/\benv(?:\.|\[")(?<name>[A-Z][A-Z0-9_]+)/g)) names.add(match.groups?.name ?? "");
    if (/settings\.ts$/.test(file)) {
      for (const match of text.matchAll(/^ {2}(?<name>[A-Z][A-Z0-9_]+): (?:z\s*\.|boundedInteger\()/gm)) names.add(match.groups?.name ?? "");
    }
  }
  for (const flag of Object.keys(SYNC_FLAGS) as SyncFlagName[]) names.add(envName(flag));
  for (const name of NOT_SETTINGS) names.delete(name);
  return names;
}

/** Each variable .env.example lists (set or commented out), with the comment line above it. */
function listed(): Map<string, string> {
  const lines = readFileSync(path.join(ROOT, ".env.example"), "utf8").split("\n");
  const entries = new Map<string, string>();
  for (const [index, line] of lines.entries()) {
    const name = line.match(/^(?:# )?(?<name>[A-Z][A-Z0-9_]+)=/)?.groups?.name;
    if (name) entries.set(name, lines[index - 1] ?? "");
  }
  return entries;
}

describe(".env.example", () => {
  it("lists exactly the variables Bender reads, each under a comment of its own", () => {
    const read = variablesRead();
    const entries = listed();
    // Sanity: the scan finds reads of every kind (schema keys, env.X, sync flags).
    for (const name of ["APP_ID", "SLACK_API_URL", "WEBHOOK_PROXY_URL", "GH_ORG", "NODE_ENV", "BENDER_SYNC_DRY_RUN", "GITHUB_TOKEN", "KUBECONFIG"]) expect(read).toContain(name);
    const notRead = [...entries.entries()].filter(([name]) => !read.has(name));
    expect([...read].filter((name) => !entries.has(name)), "read by the code but missing from .env.example").toEqual([]);
    // Listed but not read only when its comment says so (values the set-up page writes for completeness).
    expect(notRead.filter(([, comment]) => !comment.includes("(not read by Bender)")).map(([name]) => name)).toEqual([]);
    expect(notRead.map(([name]) => name).sort()).toEqual(["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"]);
    for (const [name, comment] of entries) expect(comment, name).toMatch(/^# (?![A-Z][A-Z0-9_]+=)\S.{10,}/);
  });
});
