/** Formats integer minor units (cents) in a currency for a locale, with the currency's own number of decimals. */
export function formatMoney(minor: number, currency: string, locale?: string) {
  const format = new Intl.NumberFormat(locale, { style: "currency", currency });
  const decimals = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** decimals);
}
