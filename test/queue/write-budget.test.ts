import { describe, expect, it } from "vitest";
import { limitWaitMs, nextWriteAt, trimHistory } from "../../src/queue/write-budget.js";

const MINUTE = { limit: 80, windowMs: 60_000 };
const HOUR = { limit: 500, windowMs: 3_600_000 };

describe("nextWriteAt", () => {
  it("lets a write go at once with room in every window", () => {
    expect(nextWriteAt([0, 1000], 5000, [MINUTE, HOUR], 1000)).toBe(5000);
  });

  it("keeps writes spacingMs apart", () => {
    expect(nextWriteAt([4500], 5000, [MINUTE], 1000)).toBe(5500);
  });

  it("waits for the oldest write of a full minute to leave the window", () => {
    const history = Array.from({ length: 80 }, (_, index) => index * 10);
    expect(nextWriteAt(history, 1000, [MINUTE], 0)).toBe(60_000);
    // One under the limit (negative control): at once.
    expect(nextWriteAt(history.slice(1), 1000, [MINUTE], 0)).toBe(1000);
  });

  it("waits for the hour when the hourly budget is spent, even with room in the minute", () => {
    const history = Array.from({ length: 500 }, (_, index) => index * 1000);
    expect(nextWriteAt(history, 600_000, [MINUTE, HOUR], 0)).toBe(3_600_000);
  });
});

describe("trimHistory", () => {
  it("forgets writes older than the longest window", () => {
    const history = [0, 10, 3_600_000, 3_600_010];
    trimHistory(history, 3_600_005, [MINUTE, HOUR]);
    expect(history).toEqual([10, 3_600_000, 3_600_010]);
  });
});

describe("limitWaitMs", () => {
  it("takes Retry-After in seconds, scaled", () => {
    expect(limitWaitMs({ "retry-after": "3600" }, 0, 1000)).toBe(3_600_000);
    expect(limitWaitMs({ "retry-after": "3600" }, 0, 1)).toBe(3600);
  });

  it("waits until x-ratelimit-reset when nothing remains", () => {
    expect(limitWaitMs({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1030" }, 1_000_000, 1000)).toBe(30_000);
  });

  it("waits a minute when GitHub gives no header", () => {
    expect(limitWaitMs({}, 0, 1000)).toBe(60_000);
    expect(limitWaitMs({ "x-ratelimit-remaining": "12", "x-ratelimit-reset": "1030" }, 1_000_000, 1000)).toBe(60_000);
  });
});
