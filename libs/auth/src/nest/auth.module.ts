import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { createTokenVerifier, TokenVerifierOptions } from '../jwt';
import { JwtAuthGuard, TOKEN_VERIFIER } from './jwt-auth.guard';

/** Every HTTP route requires a valid bearer token unless marked `@Public()`. */
@Module({})
export class AuthModule {
  static forRoot(options: TokenVerifierOptions): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [
        { provide: TOKEN_VERIFIER, useValue: createTokenVerifier(options) },
        { provide: APP_GUARD, useClass: JwtAuthGuard },
      ],
      exports: [TOKEN_VERIFIER],
    };
  }
}
