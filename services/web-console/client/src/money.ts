/** Money is exact: decimal strings from and to the services, formatted for the user's locale without floats. */
const DECIMAL = /^-?\d{1,13}(\.\d{1,2})?$/;

export function isAmount(text: string): boolean {
  return DECIMAL.test(text.trim());
}

/** `1234.5` → `$1,234.50` in the user's locale; the string is formatted as a decimal, never through a float. */
export function formatMoney(amount: string | null | undefined, currency = 'USD'): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return format.format(amount as unknown as number);
}
