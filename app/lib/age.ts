import { calendarDate } from "./time";

/**
 * A participant's age in whole years on race day, where race day is the race start's date in the race's
 * time zone. `dateOfBirth` is a calendar date (stored as UTC midnight). Someone born on 29 February turns a
 * year older on 1 March in non-leap years. Checkout compares this with a ticket type's `minAge`; the
 * check-in desk shows it.
 */
export function ageOnRaceDay(dateOfBirth: Date, raceStartsAt: Date, timeZone: string) {
  const [year, month, day] = calendarDate(raceStartsAt, timeZone).split("-").map(Number) as [number, number, number];
  const birthMonth = dateOfBirth.getUTCMonth() + 1;
  const hadBirthday = month > birthMonth || (month === birthMonth && day >= dateOfBirth.getUTCDate());
  return year - dateOfBirth.getUTCFullYear() - (hadBirthday ? 0 : 1);
}
