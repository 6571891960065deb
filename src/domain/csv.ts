/**
 * CSV as Excel reads it (RFC 4180): UTF-8 with a byte order mark, without which Excel in
 * Japan reads the bytes as Shift_JIS; CRLF between records; a field in double quotes when
 * it holds a comma, a quote, CR or LF, its quotes doubled.
 *
 * Text that came from outside (a customer's subject or name) may begin with = + - @ or a
 * tab, which Excel would run as a formula ("CSV injection"): such a text cell is written
 * with a leading apostrophe, as OWASP advises, so it is shown as text. Numbers are written
 * as they are.
 */
export type CsvCell = string | number | null | undefined;

export const UTF8_BOM = '\uFEFF';
const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  const text = FORMULA_START.test(cell) ? `'${cell}` : cell;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The whole file: BOM, then one CRLF-ended record per row. */
export function toCsv(rows: readonly (readonly CsvCell[])[]): string {
  return UTF8_BOM + rows.map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}
