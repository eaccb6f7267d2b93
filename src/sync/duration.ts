const DURATION = /^(?<amount>\d{1,9})(?<unit>ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** "10s", "5m", "1h", "250ms", or a plain number of seconds, in milliseconds; undefined when it is none of these. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match?.groups) return undefined;
  const unit = (match.groups.unit ?? "s") as keyof typeof UNIT_MS;
  return Number(match.groups.amount) * UNIT_MS[unit];
}
