export * from './test-database';
export * from './test-broker';
export * from './wait-for';
export * from './collect-topic';
export * from './test-tokens';
export * from './embedded-postgres';
export * from './service-process';
export * from './event-producer';
