import { AsyncLocalStorage } from 'node:async_hooks';

export interface CorrelationIds {
  /** Id of the whole flow (e.g. one export), carried by every event and log line of it. */
  correlationId: string;
  /** Id of the request or event that caused the work in hand. */
  causationId?: string;
}

const storage = new AsyncLocalStorage<CorrelationIds>();

/** The correlation of the work in hand: set by the HTTP middleware and by the inbox transport. */
export const correlationContext = {
  run<T>(ids: CorrelationIds, fn: () => T): T {
    return storage.run({ ...ids }, fn);
  },
  current(): CorrelationIds | undefined {
    return storage.getStore();
  },
};
