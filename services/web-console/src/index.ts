export * from './server/config';
export * from './server/server';
export * from './server/personas';
