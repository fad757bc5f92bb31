/** Times are stored in UTC and entered/shown in the race's IANA time zone. */

export function isTimeZone(value: string) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function zoneOffsetMs(utcMs: number, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(new Date(utcMs))
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return asUtc - (utcMs - (utcMs % 1000));
}

/** "2026-06-01T09:30" on the wall clock of `timeZone` → the UTC instant. */
export function zonedLocalToUtc(local: string, timeZone: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!match) throw new RangeError(`not a local date-time: ${local}`);
  const [, y, mo, d, h, mi] = match.map(Number) as number[];
  const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!);
  let utc = wall - zoneOffsetMs(wall, timeZone);
  utc = wall - zoneOffsetMs(utc, timeZone);
  return new Date(utc);
}

/** The UTC instant as "YYYY-MM-DDTHH:mm" on the wall clock of `timeZone` (for datetime-local inputs). */
export function utcToZonedLocal(date: Date, timeZone: string) {
  const shifted = new Date(date.getTime() + zoneOffsetMs(date.getTime(), timeZone));
  return shifted.toISOString().slice(0, 16);
}

/** e.g. "Sun 14 June 2026, 09:30 (Europe/Dublin)". */
export function formatInZone(date: Date | string, timeZone: string, locale = "en-IE") {
  const text = new Intl.DateTimeFormat(locale, {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(date));
  return `${text} (${timeZone})`;
}
