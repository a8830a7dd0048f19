// Log files roll at UTC midnight so every service, whatever its host's time
// zone, agrees on which file a line belongs to.

export const DAY_MS = 86_400_000;

export function utcDayStart(ms: number): number {
  return ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
}

/** "YYYY-MM-DD" of the UTC day containing `ms`. */
export function utcDayName(ms: number): string {
  return new Date(utcDayStart(ms)).toISOString().slice(0, 10);
}

const DAY_NAME_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Start of the named UTC day, or null when the name is not a real date. */
export function parseUtcDayName(name: string): number | null {
  const m = DAY_NAME_RE.exec(name);
  if (m === null) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return utcDayName(ms) === name ? ms : null;
}
