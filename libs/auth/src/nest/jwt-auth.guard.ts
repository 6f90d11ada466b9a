import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { TokenVerifier } from '../jwt';
import { can, describePolicy, PolicyName } from '../policies';
import { IS_PUBLIC, REQUIRED_POLICIES, RequestWithPrincipal } from './decorators';

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');

interface HttpRequest extends RequestWithPrincipal {
  headers: Record<string, string | string[] | undefined>;
}

function unauthorized(message: string): UnauthorizedException {
  return new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', message });
}

@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Event handlers are authenticated by the broker, not by a bearer token.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<HttpRequest>();
    const header = request.headers['authorization'];
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw unauthorized('Missing bearer token');

    const result = await this.verifier.verify(match[1]);
    if (!result.ok) throw unauthorized(result.reason);
    request.principal = result.principal;

    const required = [
      ...(this.reflector.get<PolicyName[] | undefined>(REQUIRED_POLICIES, context.getClass()) ?? []),
      ...(this.reflector.get<PolicyName[] | undefined>(REQUIRED_POLICIES, context.getHandler()) ?? []),
    ];
    const missing = required.filter((policy) => !can(result.principal, policy));
    if (missing.length > 0) {
      throw new ForbiddenException({
        statusCode: 403,
        error: 'Forbidden',
        message: `Missing permission ${missing.join(', ')}: requires ${missing.map(describePolicy).join('; and ')}`,
        details: missing.map((policy) => ({ path: policy, message: `requires ${describePolicy(policy)}` })),
      });
    }
    return true;
  }
}
