import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { limitHeapGrowth } from '../src/runtime/heap-growth';

/**
 * Runs, in a fresh process, a loop that builds, serializes and parses 100,000 small objects 20
 * times (the garbage a large budget's snapshot leaves), and answers the largest heap V8 kept.
 */
function peakHeapMb(percent: number | null): number {
  const script = `
    const v8 = require('node:v8');
    ${percent === null ? '' : `require(${JSON.stringify(join(__dirname, '../src/runtime/heap-growth.ts'))}).limitHeapGrowth(${percent});`}
    let peak = 0;
    for (let round = 0; round < 20; round++) {
      const objects = [];
      for (let i = 0; i < 100000; i++) objects.push({ a: 'x' + i, b: i, c: { d: 'y' + i } });
      JSON.parse(JSON.stringify(objects));
      peak = Math.max(peak, v8.getHeapStatistics().total_heap_size);
    }
    process.stdout.write(String(peak / 1048576));`;
  return Number(execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { encoding: 'utf8', cwd: join(__dirname, '../../..') }));
}

describe('limitHeapGrowth', () => {
  it('when the heap growth is limited to 20%, the same garbage-heavy loop peaks with a smaller heap than with V8\'s own growth', () => {
    const adaptive = peakHeapMb(null);
    const limited = peakHeapMb(20);

    expect(limited).toBeLessThan(adaptive * 0.9);
  });

  it('when the percent is 0, leaves V8 alone; when it is negative or fractional, refuses it', () => {
    expect(() => limitHeapGrowth(0)).not.toThrow();
    expect(() => limitHeapGrowth(-1)).toThrow(RangeError);
    expect(() => limitHeapGrowth(12.5)).toThrow(RangeError);
  });
});
