import { OutageLog } from '../src';

describe('OutageLog', () => {
  const logged: string[] = [];
  let now = 0;
  const log = new OutageLog({ warn: (message) => logged.push(`warn ${message}`), log: (message) => logged.push(`log ${message}`) }, 'email dispatch', () => now);

  it('when a loop fails on every tick of an outage, logs one line when it starts and one when a pass succeeds again', () => {
    log.passed();
    for (let tick = 0; tick < 20; tick++) {
      now += 500;
      log.failed(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    }
    expect(log.failing).toBe(true);
    now += 500;
    log.passed();
    log.passed();
    expect(logged).toEqual([
      'warn email dispatch failing: connect ECONNREFUSED 127.0.0.1:5432 (logged again when it recovers)',
      'log email dispatch recovered after 10.0 s (20 failed passes)',
    ]);
    expect(log.failing).toBe(false);
  });
});
