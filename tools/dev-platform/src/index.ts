export * from './platform';
export * from './databases';
export * from './services';
