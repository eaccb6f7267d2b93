import type { z } from "zod";
import { minutesOfDay } from "./release-fields.js";

/**
 * Rules of an environment's release policy that span several keys: every
 * window and blackout has a time zone, windows in one zone do not overlap,
 * and an environment does not ask for more approvals than it has approvers,
 * nor for approvals while it pins automatically.
 * Runs on partly invalid input too (so every problem is listed at once), so
 * it reads the value defensively and skips what other checks already refuse.
 */
export function checkReleasePolicy(environment: unknown, context: z.RefinementCtx): void {
  if (!isMap(environment)) return;
  const defaultZone = typeof environment.timezone === "string" ? environment.timezone : undefined;
  const windows = Array.isArray(environment.windows) ? environment.windows : [];
  const zones = new Set<string>();
  const timed: { index: number; zone: string; days: string[]; from: number; to: number }[] = [];
  for (const [index, window] of windows.entries()) {
    if (!isMap(window)) continue;
    const zone = typeof window.timezone === "string" ? window.timezone : defaultZone;
    if (zone === undefined) {
      context.addIssue({
        code: "custom",
        path: ["windows", index],
        input: window,
        message: 'has no time zone: write timezone on the window or on the environment, e.g. timezone: Europe/Berlin ("UTC" for UTC)',
      });
      continue;
    }
    zones.add(zone);
    const from = typeof window.from === "string" ? minutesOfDay(window.from, "opening") : undefined;
    const to = typeof window.to === "string" ? minutesOfDay(window.to, "closing") : undefined;
    const days = Array.isArray(window.days) ? window.days.filter((day): day is string => typeof day === "string") : [];
    if (from !== undefined && to !== undefined && from < to) timed.push({ index, zone, days, from, to });
  }

  for (const [position, later] of timed.entries()) {
    const earlier = timed.slice(0, position).find((other) => other.zone === later.zone && other.from < later.to && later.from < other.to && other.days.some((day) => later.days.includes(day)));
    if (earlier === undefined) continue;
    const shared = later.days.filter((day) => earlier.days.includes(day));
    context.addIssue({
      code: "custom",
      path: ["windows", later.index],
      input: windows[later.index],
      message: `overlaps windows[${earlier.index}] on ${shared.join(", ")} (${span(earlier)} and ${span(later)} in ${later.zone}): join them into one window or change the hours so they do not overlap`,
    });
  }

  if (Array.isArray(environment.blackouts) && environment.blackouts.length > 0 && defaultZone === undefined && zones.size !== 1) {
    context.addIssue({
      code: "custom",
      path: ["blackouts"],
      input: environment.blackouts,
      message:
        zones.size === 0
          ? "blackout dates need a time zone: write timezone on the environment, e.g. timezone: Europe/Berlin"
          : `blackout dates need one time zone, and the windows use ${[...zones].join(" and ")}: write timezone on the environment`,
    });
  }

  const approvers = isMap(environment.slack) ? environment.slack.approvers : undefined;
  const approvals = environment.approvals;
  if (typeof approvals === "number" && approvals > 1 && environment.autoPin === true) {
    context.addIssue({
      code: "custom",
      path: ["approvals"],
      input: approvals,
      message: `asks for ${approvals} approvals, but autoPin merges every build without any: remove approvals, or set autoPin to false`,
    });
    return;
  }
  if (typeof approvals === "number" && Array.isArray(approvers) && approvers.every((id) => typeof id === "string" && !id.startsWith("S")) && approvals > approvers.length) {
    context.addIssue({
      code: "custom",
      path: ["approvals"],
      input: approvals,
      message: `asks for ${approvals} approvals, but slack.approvers lists only ${approvers.length} ${approvers.length === 1 ? "person" : "people"}: lower approvals or list more approvers (or a user group)`,
    });
  }
}

function span(window: { from: number; to: number }): string {
  return `${clock(window.from)}–${clock(window.to)}`;
}

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
