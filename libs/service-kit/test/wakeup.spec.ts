import { Wakeup } from '../src/background/wakeup';

/** Resolves to 'ended' if the promise settled once pending microtasks ran, else 'waiting'. */
async function state(promise: Promise<void>): Promise<'ended' | 'waiting'> {
  let ended = false;
  void promise.then(() => (ended = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return ended ? 'ended' : 'waiting';
}

describe('the wait between the passes of a polling loop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('without a nudge, lasts the whole poll interval', async () => {
    const wakeup = new Wakeup();
    wakeup.beginPass();
    const wait = wakeup.wait(60_000);
    jest.advanceTimersByTime(59_999);
    expect(await state(wait)).toBe('waiting');
    jest.advanceTimersByTime(1);
    expect(await state(wait)).toBe('ended');
  });

  it('a nudge during the wait ends it at once', async () => {
    const wakeup = new Wakeup();
    wakeup.beginPass();
    const wait = wakeup.wait(60_000);
    wakeup.nudge();
    expect(await state(wait)).toBe('ended');
  });

  it('a nudge during the pass makes the next wait end at once; the pass after it waits again', async () => {
    const wakeup = new Wakeup();
    wakeup.beginPass();
    wakeup.nudge();
    expect(await state(wakeup.wait(60_000))).toBe('ended');
    wakeup.beginPass();
    expect(await state(wakeup.wait(60_000))).toBe('waiting');
  });

  it('interrupt ends the current wait without leaving a nudge for the next one', async () => {
    const wakeup = new Wakeup();
    wakeup.beginPass();
    const wait = wakeup.wait(60_000);
    wakeup.interrupt();
    expect(await state(wait)).toBe('ended');
    expect(await state(wakeup.wait(60_000))).toBe('waiting');
  });
});
