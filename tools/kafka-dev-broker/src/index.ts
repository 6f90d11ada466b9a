export { startBroker } from './broker';
export type { BrokerOptions, RunningBroker } from './broker';
export type { LogLevel } from './server/logger';
