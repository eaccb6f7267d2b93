import { describe, expect, it } from "vitest";
import { closestKey } from "../../src/config/closest-key.js";

const ENVIRONMENT_KEYS = ["paths", "branch", "autoPin", "slack"];

describe("closestKey", () => {
  it.each([
    ["autopin", "autoPin"],
    ["AUTOPIN", "autoPin"],
    ["path", "paths"],
    ["brnach", "branch"],
    ["auto_pin", "autoPin"],
    ["slak", "slack"],
  ])("suggests %s → %s", (written, known) => {
    expect(closestKey(written, ENVIRONMENT_KEYS)).toBe(known);
  });

  it.each(["namespace", "pin", "x", "branches-main"])("suggests nothing for %s", (written) => {
    expect(closestKey(written, ENVIRONMENT_KEYS)).toBeUndefined();
  });
});
