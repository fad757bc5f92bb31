/** Money is integer minor units with an ISO 4217 currency; these convert for forms and display. */

/** Minor-unit digits of a currency: 2 for EUR, 0 for JPY, 3 for KWD. */
export function currencyDigits(currency: string) {
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * Minor units of an amount typed in major units ("12", "12.5", "12.50"); null when it is not a plain
 * non-negative number or has more decimals than the currency allows.
 */
export function parseMajorUnits(value: string, currency: string): number | null {
  const digits = currencyDigits(currency);
  const match = /^(\d{1,9})(?:[.,](\d+))?$/.exec(value.trim());
  if (!match) return null;
  const [, whole, fraction = ""] = match;
  if (fraction.length > digits) return null;
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
}

/** The amount as a form would show it in major units, without grouping: 1250 EUR → "12.50". */
export function toMajorUnits(minor: number, currency: string) {
  const digits = currencyDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
}

export function formatMoney(minor: number, currency: string, locale: string) {
  const digits = currencyDigits(currency);
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(minor / 10 ** digits);
}
