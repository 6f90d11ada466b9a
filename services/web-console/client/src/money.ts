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

const cents = (amount: string): bigint => {
  const [whole, fraction = ''] = amount.trim().replace(/^-/, '').split('.');
  const value = BigInt(whole || '0') * 100n + BigInt((fraction + '00').slice(0, 2));
  return amount.trim().startsWith('-') ? -value : value;
};

/** Exact sum of decimal amounts, as a decimal string with two places. */
export function sumAmounts(amounts: readonly string[]): string {
  const total = amounts.reduce((sum, amount) => sum + cents(amount), 0n);
  const sign = total < 0n ? '-' : '';
  const abs = total < 0n ? -total : total;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}
