import * as fs from "node:fs";

/**
 * The synchronous node:fs calls the directory reader and writer make. Tests
 * pass their own to fail one call where a real failure cannot be staged
 * (tests run as root, whom permissions do not stop).
 */
export type FileSystem = Pick<
  typeof fs,
  | "readdirSync"
  | "realpathSync"
  | "openSync"
  | "fstatSync"
  | "readSync"
  | "writeSync"
  | "fchmodSync"
  | "fchownSync"
  | "closeSync"
  | "renameSync"
  | "unlinkSync"
>;

export const NODE_FILE_SYSTEM: FileSystem = fs;
