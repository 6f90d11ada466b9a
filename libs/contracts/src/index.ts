export * from './events/common';
export * from './events/budget.events';
export * from './events/approval.events';
export * from './events/erp.events';
export * from './events/notification.events';
export * from './topics';
export * from './envelope';
export * from './json-schema';
