/**
 * Exact money: amounts travel as decimal strings with at most two fraction digits and are
 * computed as integer minor units (cents) in `bigint`. No floating point anywhere.
 */

/** A decimal string such as `"1250.00"`, `"-3.5"` or `"0"`. */
export type DecimalString = string;

/** Integer minor units (cents). */
export type Cents = bigint;

/** Matches an amount as accepted from users: optional minus, digits, optional `.d` or `.dd`. */
export const DECIMAL_AMOUNT_PATTERN = /^-?(0|[1-9]\d{0,14})(\.\d{1,2})?$/;

export class InvalidAmountError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`"${input}" is not a valid amount: ${reason}`);
    this.name = 'InvalidAmountError';
  }
}

/** Why a string is not an acceptable amount, or `null` when it is one. */
export function amountProblem(input: string): string | null {
  if (typeof input !== 'string') return 'must be a decimal string';
  if (!DECIMAL_AMOUNT_PATTERN.test(input)) {
    if (/^-?\d+\.\d{3,}$/.test(input)) return 'must have at most 2 fraction digits';
    return 'must be a decimal string like "1250.00" (no exponent, no thousands separators)';
  }
  if (/^-0(\.0{1,2})?$/.test(input)) return 'negative zero is not an amount';
  return null;
}

export function isDecimalAmount(input: unknown): input is DecimalString {
  return typeof input === 'string' && amountProblem(input) === null;
}

/** Parses a decimal string into cents; throws {@link InvalidAmountError} for anything else. */
export function toCents(input: DecimalString): Cents {
  const problem = amountProblem(input);
  if (problem) throw new InvalidAmountError(input, problem);
  const negative = input.startsWith('-');
  const [whole, fraction = ''] = (negative ? input.slice(1) : input).split('.');
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  return negative ? -cents : cents;
}

/** Formats cents as a decimal string with exactly two fraction digits (`"1250.00"`). */
export function fromCents(cents: Cents): DecimalString {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const whole = abs / 100n;
  const fraction = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${whole.toString()}.${fraction}`;
}

/** Normalises any accepted amount to two fraction digits: `"12.5"` → `"12.50"`. */
export function normalizeAmount(input: DecimalString): DecimalString {
  return fromCents(toCents(input));
}

export function sumAmounts(amounts: Iterable<DecimalString>): DecimalString {
  let total = 0n;
  for (const amount of amounts) total += toCents(amount);
  return fromCents(total);
}

export function addAmounts(a: DecimalString, b: DecimalString): DecimalString {
  return fromCents(toCents(a) + toCents(b));
}

export function subtractAmounts(a: DecimalString, b: DecimalString): DecimalString {
  return fromCents(toCents(a) - toCents(b));
}

export function compareAmounts(a: DecimalString, b: DecimalString): -1 | 0 | 1 {
  const d = toCents(a) - toCents(b);
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}

export function isZero(a: DecimalString): boolean {
  return toCents(a) === 0n;
}
