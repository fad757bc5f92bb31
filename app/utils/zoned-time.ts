/**
 * Wall-clock times in a race's IANA time zone, as read and written by `<input type="datetime-local">`
 * ("YYYY-MM-DDTHH:mm"), converted to and from UTC instants with Intl only.
 */
const LOCAL_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

export function isZonedLocal(value: string) {
  return LOCAL_PATTERN.test(value);
}

function wallClockParts(instant: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((part) => part.type === type)?.value);
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour"), minute: get("minute"), second: get("second") };
}

/** Milliseconds the zone's wall clock is ahead of UTC at that instant. */
function zoneOffset(instant: number, timeZone: string) {
  const p = wallClockParts(instant, timeZone);
  const wallAsUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wallAsUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The UTC instant of a wall-clock time in `timeZone`. A time skipped by a DST change resolves to the
 * offset before the change (it lands after the gap); a repeated time resolves to its first occurrence.
 */
export function zonedLocalToUtc(local: string, timeZone: string): Date {
  const match = LOCAL_PATTERN.exec(local);
  if (!match) throw new RangeError(`not a local date-time: ${local}`);
  const [, year, month, day, hour, minute] = match.map(Number) as [number, number, number, number, number, number];
  const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute);
  // Offsets a day either side cover any DST change near this time.
  const offsetBefore = zoneOffset(wallAsUtc - 86_400_000, timeZone);
  const offsetAfter = zoneOffset(wallAsUtc + 86_400_000, timeZone);
  const candidates = [wallAsUtc - offsetBefore, wallAsUtc - offsetAfter].filter(
    (instant) => utcToZonedLocal(new Date(instant), timeZone) === local,
  );
  return new Date(candidates.length ? Math.min(...candidates) : wallAsUtc - offsetBefore);
}

/** "YYYY-MM-DDTHH:mm" of an instant on the wall clock of `timeZone`. */
export function utcToZonedLocal(date: Date, timeZone: string) {
  const p = wallClockParts(date.getTime(), timeZone);
  const pad = (value: number, width = 2) => String(value).padStart(width, "0");
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** A date and time for people, in the race's time zone and the viewer's locale, with the zone named. */
export function formatInZone(date: Date | string, timeZone: string, locale: string) {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(new Date(date));
}
