export * from './platform';
export * from './databases';
export * from './services';
export * from './web-console-build';
export * from './demo-company';
