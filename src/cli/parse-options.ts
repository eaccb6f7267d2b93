import { parseArgs } from "node:util";
import type { ParseArgsConfig } from "node:util";
import { InvalidInputError } from "./cli-error.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The option names a command takes, as a person types them: `--dir PATH, --dry-run, -h/--help`. */
function described(options: Options): string {
  return Object.entries(options)
    .map(([name, option]) => `${option.short ? `-${option.short}/` : ""}--${name}${option.type === "string" ? ` ${name.toUpperCase()}` : ""}`)
    .join(", ");
}

/**
 * node:util's parseArgs with Bender's own messages: an unknown option names
 * the command and the options it takes (Node's message suggests `--` and
 * positional arguments, which is not what a mistyped flag needs).
 */
export function parseOptions<T extends Options>(command: string, args: readonly string[], options: T, allowPositionals: boolean) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    const flag = /'(?<flag>-[^']*)'/.exec(message)?.groups?.flag ?? "";
    const help = `run "bender help ${command}" for its usage`;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new InvalidInputError(`unknown option ${flag}; bender ${command} takes ${described(options)} (${help})`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") throw new InvalidInputError(`option ${flag.split(" ")[0]} ${/argument missing/.test(message) ? "needs a value" : "takes no value"} (${help})`);
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") throw new InvalidInputError(`bender ${command} takes no arguments, got ${flag || message.split("'")[1] || "one"} (${help})`);
    throw new InvalidInputError(`${message} (${help})`);
  }
}
