import { ConfigError } from '../../src/config/load-config';

/** The ConfigError `run` throws; fails the test if it throws anything else or nothing. */
export function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
