import { createRequire } from "node:module";
import { EXIT_INVALID_INPUT, EXIT_OK, EXIT_UNEXPECTED, InvalidInputError } from "./cli-error.js";

/** What a command needs from the world; tests pass their own. */
export interface CliContext {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  readonly cwd: string;
}

export type Command = (args: readonly string[], context: CliContext) => Promise<number>;

/** Each command is loaded only when run, so `bender bump` never pays for the server's modules. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  bump: {
    summary: "bump <reference> [--dir PATH] [--dry-run] [--json]   rewrite every reference to an image under a directory",
    load: async () => (await import("./bump-command.js")).bumpCommand,
  },
  doctor: {
    summary: "doctor [--json] [--builds]                            check the set-up end to end and print each problem with its fix",
    load: async () => (await import("./doctor-command.js")).doctorCommand,
  },
  serve: {
    summary: "serve                                                 run the GitHub App and build webhook server (docs/settings.md)",
    load: async () => (await import("./serve-command.js")).serveCommand,
  },
  sync: {
    summary: "sync --repository O/N --path P --environment E --cluster C   apply a manifest repository to this cluster (docs/sync.md)",
    load: async () => (await import("./sync-command.js")).syncCommand,
  },
};

const USAGE = `Usage: bender <command> [options]

Commands:
${Object.values(COMMANDS)
  .map((command) => `  ${command.summary}`)
  .join("\n")}
  help                                                  show this text

Run "bender help <command>" (or "bender <command> --help") for a command's options,
"bender --version" for the version.
`;

/** The version in package.json (two folders up from both src/cli and dist/cli). */
function benderVersion(): string {
  return (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
}

/** Runs one CLI invocation and returns its exit code: 0 ran, 2 invalid input, 1 unexpected failure. */
export async function main(argv: readonly string[], context: CliContext): Promise<number> {
  const [first, ...afterFirst] = argv;
  if (first === "--version" || first === "-v" || first === "version") {
    context.stdout.write(`bender ${benderVersion()}\n`);
    return EXIT_OK;
  }
  // `bender help bump` is `bender bump --help`.
  const helpFor = first === "help" && afterFirst[0] !== undefined ? afterFirst[0] : undefined;
  const [name, ...rest] = helpFor === undefined ? argv : [helpFor, "--help"];
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    context.stdout.write(USAGE);
    return name === undefined ? EXIT_INVALID_INPUT : EXIT_OK;
  }
  if (name.startsWith("-")) {
    context.stderr.write(`bender: unknown option ${name}; options come after a command (bender <command> --help), or --version\n\n${USAGE}`);
    return EXIT_INVALID_INPUT;
  }
  const command = COMMANDS[name];
  if (!command) {
    context.stderr.write(`bender: unknown command "${name}"\n\n${USAGE}`);
    return EXIT_INVALID_INPUT;
  }
  try {
    return await (await command.load())(rest, context);
  } catch (error) {
    if (error instanceof InvalidInputError) {
      context.stderr.write(`bender ${name}: ${error.message}\n`);
      return EXIT_INVALID_INPUT;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    context.stderr.write(`bender ${name}: unexpected failure, stopped\n${detail}\n`);
    return EXIT_UNEXPECTED;
  }
}

