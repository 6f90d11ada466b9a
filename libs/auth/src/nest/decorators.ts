import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { PolicyName } from '../policies';
import type { Principal } from '../principal';

export const IS_PUBLIC = 'budget-erp:auth:public';
export const REQUIRED_POLICIES = 'budget-erp:auth:policies';

/** The route (or every route of the controller) needs no token. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** The caller must satisfy every named policy (403 otherwise). */
export const Requires = (...policies: PolicyName[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_POLICIES, policies);

export interface RequestWithPrincipal {
  principal?: Principal;
}

export function principalOf(request: RequestWithPrincipal): Principal {
  if (!request.principal) throw new Error('No principal on this request: is the route marked @Public()?');
  return request.principal;
}

/** The authenticated caller, from the verified token. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal =>
  principalOf(context.switchToHttp().getRequest<RequestWithPrincipal>()),
);
