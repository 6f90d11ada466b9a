export * from './principal';
export * from './policies';
export * from './jwt';
export * from './nest/decorators';
export * from './nest/jwt-auth.guard';
export * from './nest/auth.module';
