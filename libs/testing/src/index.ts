export * from './test-database';
export * from './test-broker';
export * from './wait-for';
export * from './collect-topic';
export * from './test-tokens';
