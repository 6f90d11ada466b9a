import { PollingLoop } from '../src/background/polling-loop';

const logger = () => {
  const lines: string[] = [];
  return { lines, warn: (m: string) => void lines.push(`warn ${m}`), log: (m: string) => void lines.push(`log ${m}`) };
};

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition never held');
};

describe('a background polling loop', () => {
  it('runs a pass when started and another as soon as it is nudged, without waiting out the poll interval', async () => {
    let passes = 0;
    const loop = new PollingLoop(logger(), 'test worker', async () => void passes++, 60_000);
    loop.start();
    await until(() => passes === 1);
    loop.nudge();
    await until(() => passes === 2);
    await loop.stop();
    expect(passes).toBe(2);
  });

  it('logs a failing pass once when the failures start and once when a pass succeeds again, and keeps polling', async () => {
    const log = logger();
    let passes = 0;
    const loop = new PollingLoop(log, 'test worker', async () => {
      passes++;
      if (passes <= 3) throw new Error('database unreachable');
    }, 1);
    loop.start();
    await until(() => passes >= 5);
    await loop.stop();
    expect(log.lines.filter((l) => l.startsWith('warn'))).toEqual(['warn test worker failing: database unreachable (logged again when it recovers)']);
    expect(log.lines.filter((l) => l.startsWith('log'))).toEqual([expect.stringMatching(/^log test worker recovered after .* s \(3 failed passes\)$/)]);
  });

  it('stops by waiting for the pass in progress and starts no other, even when nudged', async () => {
    let passes = 0;
    let release: () => void = () => undefined;
    const loop = new PollingLoop(logger(), 'test worker', () => {
      passes++;
      return new Promise<void>((resolve) => (release = resolve));
    }, 1);
    loop.start();
    await until(() => passes === 1);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    loop.nudge();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    expect(loop.running).toBe(false);
    release();
    await stopping;
    expect(passes).toBe(1);
  });
});
