export type CsvValue = string | number | boolean | Date | null | undefined;

/** Spreadsheet apps run a cell that starts with one of these as a formula (CSV injection). */
const FORMULA_TRIGGERS = /^[=+\-@\t\r]/;
/** Numbers and phone numbers ("+353 1 234", "-5") start with a trigger but cannot call anything. */
const INERT = /^[+-]?[\d\s().\-/]*$/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, with quotes doubled.
 * Text that a spreadsheet would run as a formula is prefixed with an apostrophe, because exports are
 * opened in Excel and participant names and answers are typed by the public.
 */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== "string") return String(value);
  const text = FORMULA_TRIGGERS.test(value) && !INERT.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record, CRLF-terminated as RFC 4180 asks. */
export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

/** Excel reads UTF-8 CSV correctly (Dún Laoghaire, Zoë) only with a byte order mark. */
export const CSV_BOM = "\uFEFF";
