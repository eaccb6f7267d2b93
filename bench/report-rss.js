/**
 * Preloaded into a measured child with `node --import <this file>`: when the
 * process exits, writes its own peak resident set size (`maxRSS`, in KiB) to
 * the file named by the `BENCH_RSS_FILE` environment variable. Does nothing
 * when the variable is unset.
 */
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    writeFileSync(file, `${process.resourceUsage().maxRSS}\n`);
  });
}
