import { parseArgs } from 'node:util';
import { DEV_JWT_SECRET, signDevToken } from '../jwt';
import { permissionLevels, PermissionLevel, tokenClaimsSchema } from '../principal';

const usage = `Usage: npm run token -- --company <id> --user <id> [--budget none|read_only|standard|admin]
       [--erp none|read_only|standard|admin] [--privilege <name>]... [--name "Pat PM"] [--email pat@example.com] [--expires 12h]
Signs with JWT_SECRET, or the development default when it is not set.`;

function level(value: string | undefined, flag: string): PermissionLevel {
  const candidate = value ?? 'none';
  if (!(permissionLevels as readonly string[]).includes(candidate)) {
    throw new Error(`--${flag} must be one of ${permissionLevels.join(', ')} (got "${candidate}")`);
  }
  return candidate as PermissionLevel;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      company: { type: 'string' },
      user: { type: 'string' },
      budget: { type: 'string' },
      erp: { type: 'string' },
      privilege: { type: 'string', multiple: true },
      name: { type: 'string' },
      email: { type: 'string' },
      expires: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const missing = (['company', 'user'] as const).filter((flag) => !values[flag]);
  if (missing.length > 0) throw new Error(`Missing ${missing.map((flag) => `--${flag}`).join(' and ')}`);
  const user = values.user!;
  const claims = tokenClaimsSchema.parse({
    sub: user,
    name: values.name ?? user,
    email: values.email ?? `${user}@example.com`,
    companyId: values.company,
    perms: { budget: level(values.budget, 'budget'), erpIntegrations: level(values.erp, 'erp') },
    privileges: values.privilege ?? [],
  });
  const token = await signDevToken(claims, process.env.JWT_SECRET || DEV_JWT_SECRET, { expiresIn: values.expires ?? '12h' });
  console.log(token);
}

main().catch((error: unknown) => {
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  process.exit(2);
});
