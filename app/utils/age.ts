/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
function localDate(instant: Date, timeZone: string) {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(instant);
}

/**
 * A participant's age in whole years on race day, where race day is the race start's date in the race's
 * time zone. `dateOfBirth` is a calendar date (stored as UTC midnight). Someone born on 29 February turns a
 * year older on 1 March in non-leap years. Checkout compares this with a ticket type's `minAge`.
 */
export function ageOnRaceDay(dateOfBirth: Date, raceStartsAt: Date, timeZone: string) {
  const [year, month, day] = localDate(raceStartsAt, timeZone).split("-").map(Number) as [number, number, number];
  const birthYear = dateOfBirth.getUTCFullYear();
  const birthMonth = dateOfBirth.getUTCMonth() + 1;
  const birthDay = dateOfBirth.getUTCDate();
  const hadBirthday = month > birthMonth || (month === birthMonth && day >= birthDay);
  return year - birthYear - (hadBirthday ? 0 : 1);
}
