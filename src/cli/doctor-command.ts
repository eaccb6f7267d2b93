import { existsSync } from "node:fs";
import path from "node:path";
import { renderReport } from "../doctor/report.js";
import { runDoctor } from "../doctor/io/run-doctor.js";
import { EXIT_OK } from "./cli-error.js";
import type { CliContext } from "./main.js";
import { terminalSafe } from "./terminal-text.js";
import { parseOptions } from "./parse-options.js";

const DOCTOR_USAGE = `Usage: bender doctor [--json] [--builds]

Checks a set-up end to end, with the settings \`bender serve\` would use (the
environment, and .env in the current folder): settings; the App's key and ID
(GET /app); its permissions and events against app.yml; its installations on the
manifest repositories; each .github/bender.yml; the Slack token; the bot's
membership of every configured channel; every approver; the build webhook.
Each problem is printed with its fix; checks that could not run say why.

  --json     print the report as one JSON object
  --builds   CI sends builds to POST /api/builds: BENDER_BUILD_SECRET must be set

Exit status: 0 every check passed, 1 a check failed or could not run.
`;

/** `bender doctor`: runs every check and prints the report; exit 0 only when all passed. */
export async function doctorCommand(args: readonly string[], context: CliContext): Promise<number> {
  const { values } = parseOptions("doctor", args, { help: { type: "boolean", short: "h", default: false }, json: { type: "boolean", default: false }, builds: { type: "boolean", default: false } }, false);
  if (values.help) {
    context.stdout.write(DOCTOR_USAGE);
    return EXIT_OK;
  }
  const envFile = path.join(context.cwd, ".env");
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  const report = await runDoctor(process.env, { requireBuildWebhook: values.builds });
  context.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : terminalSafe(renderReport(report)));
  return report.ok ? EXIT_OK : 1;
}
