/** Times are stored in UTC and entered/shown in the race's IANA time zone. */

const formatters = new Map<string, Intl.DateTimeFormat>();
/**
 * One `Intl.DateTimeFormat` per locale and option set, built once: constructing one costs far more than
 * formatting with it, and pages format many times per request.
 */
function formatter(locale: string, options: Intl.DateTimeFormatOptions) {
  const key = `${locale}|${JSON.stringify(options)}`;
  let cached = formatters.get(key);
  if (!cached) {
    cached = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, cached);
  }
  return cached;
}

export function isTimeZone(value: string) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const LOCAL_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** Milliseconds the zone is ahead of UTC at the given instant. */
function zoneOffset(instant: number, timeZone: string) {
  const parts = formatter("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
  return asUtc - (instant - (instant % 1000));
}

/**
 * A wall-clock time typed into a `datetime-local` input ("2026-05-01T09:30") read in the race's time zone,
 * as a UTC instant. Null when the text is not such a time. A time skipped by a DST change moves forward.
 */
export function zonedLocalToUtc(local: string, timeZone: string): Date | null {
  const match = LOCAL_PATTERN.exec(local);
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  const wallClock = Date.UTC(year, month - 1, day, hour, minute);
  const check = new Date(wallClock);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59) return null;
  const firstGuess = wallClock - zoneOffset(wallClock, timeZone);
  return new Date(wallClock - zoneOffset(firstGuess, timeZone));
}

/** The value a `datetime-local` input shows for a UTC instant in the race's time zone. */
export function utcToZonedLocal(instant: Date, timeZone: string) {
  const shifted = new Date(instant.getTime() + zoneOffset(instant.getTime(), timeZone));
  return shifted.toISOString().slice(0, 16);
}

/** A date and time for people, in the race's time zone and the viewer's locale. */
export function formatDateTime(instant: Date | string, timeZone: string, locale = "en-IE") {
  return formatter(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(new Date(instant));
}

/** e.g. "Sun 14 June 2026, 09:30 (Europe/Dublin)". */
export function formatInZone(date: Date | string, timeZone: string, locale = "en-IE") {
  const text = formatter(locale, {
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

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function calendarDate(at: Date, timeZone: string) {
  return formatter("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

/** "09:05" in the race's time zone: what a check-in desk reads off a clock on the wall. */
export function formatTime(at: Date | string, timeZone: string) {
  return formatter("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(at));
}

/** A stored calendar date (DATE column, read as UTC midnight) as YYYY-MM-DD. */
export function isoDay(value: Date | string | null) {
  return value ? new Date(value).toISOString().slice(0, 10) : "";
}

/** Whether a wall-clock time typed into a form (`2026-06-14T09:30`) in `timeZone` is already over at `now`. */
export function isPastLocalTime(local: string | undefined, timeZone: string | undefined, now: Date) {
  if (!local || !timeZone || !isTimeZone(timeZone)) return false;
  const instant = zonedLocalToUtc(local, timeZone);
  return instant !== null && instant.getTime() < now.getTime();
}
