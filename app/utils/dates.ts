/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function calendarDate(at: Date, timeZone: string) {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

/** Age in whole years on a calendar day, for a date of birth stored as a UTC calendar date. */
export function ageOn(dateOfBirth: Date, day: string) {
  const [year, month, date] = day.split("-").map(Number) as [number, number, number];
  const birthdayPassed = month > dateOfBirth.getUTCMonth() + 1 || (month === dateOfBirth.getUTCMonth() + 1 && date >= dateOfBirth.getUTCDate());
  return year - dateOfBirth.getUTCFullYear() - (birthdayPassed ? 0 : 1);
}

/** "09:05" in the race's time zone: what a check-in desk reads off a clock on the wall. */
export function formatTime(at: Date | string, timeZone: string) {
  return new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(at));
}

export function formatDateTime(at: Date | string, timeZone: string) {
  return new Intl.DateTimeFormat("en-GB", { timeZone, dateStyle: "medium", timeStyle: "short" }).format(new Date(at));
}

/** A stored calendar date (DATE column, read as UTC midnight) as YYYY-MM-DD. */
export function isoDay(value: Date | string | null) {
  return value ? new Date(value).toISOString().slice(0, 10) : "";
}
