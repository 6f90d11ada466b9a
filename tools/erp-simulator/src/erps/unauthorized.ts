import type { SimSystem } from '../simulator-state';

/** How each ERP answers credentials it does not accept (HTTP 401), in its own error shape. */
export function unauthorizedBody(system: SimSystem): unknown {
  switch (system) {
    case 'cmic':
      return { errorCode: 'UNAUTHORIZED', messages: ['Invalid user name or password'] };
    case 'sage300cre':
      return { Errors: [{ Code: 'Unauthorized', Message: 'The user name or password is incorrect' }] };
    case 'quickbooks':
      return { Fault: { type: 'AUTHENTICATION', Error: [{ Message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401', Detail: 'Token invalid', code: '3200' }] } };
    default: {
      const never: never = system;
      return never;
    }
  }
}
