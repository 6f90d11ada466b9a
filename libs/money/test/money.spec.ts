import { addAmounts, amountProblem, compareAmounts, fromCents, normalizeAmount, subtractAmounts, sumAmounts, toCents } from '../src';

describe('money', () => {
  it.each([
    ['0', 0n], ['12', 1200n], ['12.5', 1250n], ['12.05', 1205n], ['-3.25', -325n], ['999999999999999.99', 99999999999999999n],
  ])('parses %p as %p cents', (input, cents) => {
    expect(toCents(input)).toBe(cents);
  });

  it.each([
    ['1e3', 'no exponent'], ['12.345', 'at most 2 fraction digits'], ['-0', 'negative zero'], ['abc', 'decimal string'],
    ['', 'decimal string'], ['1.', 'decimal string'], ['NaN', 'decimal string'],
  ])('refuses %p because it has %s', (input, reason) => {
    expect(amountProblem(input)).toContain(reason);
    expect(() => toCents(input)).toThrow(reason);
  });

  it('sums without floating point drift', () => {
    expect(sumAmounts(Array.from({ length: 10 }, () => '0.10'))).toBe('1.00');
    expect(addAmounts('0.1', '0.2')).toBe('0.30');
    expect(sumAmounts(['99999999999999.99', '0.01'])).toBe('100000000000000.00');
  });

  it('formats cents with two fraction digits, negatives included', () => {
    expect(fromCents(-5n)).toBe('-0.05');
    expect(fromCents(123456n)).toBe('1234.56');
    expect(normalizeAmount('7')).toBe('7.00');
    expect(subtractAmounts('1.00', '2.50')).toBe('-1.50');
  });

  it('compares amounts exactly', () => {
    expect(compareAmounts('10.00', '10')).toBe(0);
    expect(compareAmounts('10.01', '10')).toBe(1);
    expect(compareAmounts('-1', '0')).toBe(-1);
  });
});
