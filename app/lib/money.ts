const currencyFormats = new Map<string, Intl.NumberFormat>();
/** One currency formatter per locale and currency, built once (building one costs more than using it). */
function currencyFormat(locale: string, currency: string) {
  const key = `${locale}|${currency}`;
  let cached = currencyFormats.get(key);
  if (!cached) {
    cached = new Intl.NumberFormat(locale, { style: "currency", currency });
    currencyFormats.set(key, cached);
  }
  return cached;
}

/** Digits after the decimal point in a currency's minor unit (EUR 2, JPY 0, KWD 3). */
export function minorUnitDigits(currency: string) {
  return currencyFormat("en", currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/** An amount in minor units shown in the viewer's locale, e.g. 3000 EUR → "€30.00". */
export function formatMoney(amountMinor: number, currency: string, locale = "en-IE") {
  const digits = minorUnitDigits(currency);
  return currencyFormat(locale, currency).format(amountMinor / 10 ** digits);
}

/** The amount in major units as typed into a price field: 3000 EUR → "30.00". */
export function toMajorUnits(amountMinor: number, currency: string) {
  const digits = minorUnitDigits(currency);
  return (amountMinor / 10 ** digits).toFixed(digits);
}

/**
 * A typed price in minor units: "30" or "30.00" or "30,5" → 3000 / 3050 (EUR). Null when it is not a plain
 * non-negative amount with at most the currency's number of decimals. Thousands separators are refused
 * because "1,000" and "1.000" mean different things in different locales.
 */
export function parseMoney(input: string, currency: string): number | null {
  const digits = minorUnitDigits(currency);
  const match = /^(\d{1,9})(?:[.,](\d*))?$/.exec(input.trim());
  if (!match) return null;
  const [, whole, fraction = ""] = match;
  if (fraction.length > digits) return null;
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, "0") || 0);
}
