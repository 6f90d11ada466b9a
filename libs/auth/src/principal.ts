import { z } from 'zod';

export const permissionLevels = ['none', 'read_only', 'standard', 'admin'] as const;
export type PermissionLevel = (typeof permissionLevels)[number];

const permissionLevel = z.enum(permissionLevels);

/** The JWT claims every platform token carries. */
export const tokenClaimsSchema = z.object({
  sub: z.string().min(1),
  name: z.string().default(''),
  email: z.string().default(''),
  companyId: z.string().min(1),
  perms: z.object({
    budget: permissionLevel.default('none'),
    erpIntegrations: permissionLevel.default('none'),
  }),
  privileges: z.array(z.string()).default([]),
});

export type TokenClaims = z.input<typeof tokenClaimsSchema>;

/** Who is calling: built from a verified token only, never from the request body. */
export interface Principal {
  userId: string;
  name: string;
  email: string;
  companyId: string;
  perms: { budget: PermissionLevel; erpIntegrations: PermissionLevel };
  privileges: string[];
}

export type ClaimsResult = { ok: true; principal: Principal } | { ok: false; reason: string };

export function principalFromClaims(claims: unknown): ClaimsResult {
  const parsed = tokenClaimsSchema.safeParse(claims);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)');
    return { ok: false, reason: `Token claims are invalid: ${[...new Set(fields)].join(', ')}` };
  }
  const { sub, name, email, companyId, perms, privileges } = parsed.data;
  return { ok: true, principal: { userId: sub, name, email, companyId, perms, privileges } };
}

export function claimsFromPrincipal(principal: Principal): TokenClaims {
  const { userId, ...rest } = principal;
  return { sub: userId, ...rest };
}

export function levelAtLeast(actual: PermissionLevel, required: PermissionLevel): boolean {
  return permissionLevels.indexOf(actual) >= permissionLevels.indexOf(required);
}
