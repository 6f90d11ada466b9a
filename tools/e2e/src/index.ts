export * from './client';
export * from './flows';
export * from './harness';
export * from './faults';
