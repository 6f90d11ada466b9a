export * from './ledger';
export * from './load';
export * from './matrix';
export * from './tcp-proxy';
