import { E2ePlatform, startE2ePlatform } from '../src';

/** One platform for the whole test file, started before its tests and stopped (databases dropped) after. */
export function useE2ePlatform(): () => E2ePlatform {
  let e2e: E2ePlatform | undefined;
  beforeAll(async () => {
    e2e = await startE2ePlatform();
  }, 180000);
  afterAll(async () => {
    await e2e?.stop();
  }, 60000);
  return () => {
    if (!e2e) throw new Error('the platform has not started');
    return e2e;
  };
}
