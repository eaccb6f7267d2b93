import type { CauseOptions, CodedError } from "../errors/coded-error.js";
/** Input the user can fix (a bad reference, a missing directory): exit code 2, message only, nothing written. */
export class InvalidInputError extends Error implements CodedError {
  override readonly name = "InvalidInputError";
  readonly code = "invalid-input";
  constructor(message: string, options?: CauseOptions) {
    super(message, options);
  }
}

export const EXIT_OK = 0;
export const EXIT_UNEXPECTED = 1;
export const EXIT_INVALID_INPUT = 2;
/** `bender serve` could not open its port (in use, not permitted, no such address). */
export const EXIT_CANNOT_LISTEN = 3;
