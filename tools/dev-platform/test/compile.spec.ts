import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileRuntime } from '../src/compile';

/** A two-project workspace: a service that imports a library through a tsconfig path, and a decorated class. */
function miniWorkspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'compile-runtime-'));
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('tsconfig.base.json', JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@mini/money': ['libs/money/src/index.ts'] } } }));
  write('libs/money/src/index.ts', "export const toCents = (amount: string): bigint => BigInt(amount.replace('.', ''));\n");
  write('libs/money/src/rates.json', '{"vat":"0.20"}\n');
  write('libs/money/src/index.spec.ts', 'this is not compiled\n');
  write(
    'services/budget/src/main.ts',
    [
      "import { toCents } from '@mini/money';",
      "const rates = require('../../../libs/money/src/rates.json') as { vat: string };",
      'const logged: string[] = [];',
      'function log(target: object, key: string): void { logged.push(`${target.constructor.name}.${key}`); }',
      'class Budget { @log total(): bigint { return toCents("12.34"); } }',
      'process.stdout.write(JSON.stringify({ cents: String(new Budget().total()), vat: rates.vat, logged }));',
      '',
    ].join('\n'),
  );
  return root;
}

describe('compileRuntime: the services as JavaScript, as npm start runs them', () => {
  let root: string;
  beforeEach(() => {
    root = miniWorkspace();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('when compiled, the service runs with plain node: path imports, decorators and non-TypeScript files work', () => {
    const runtime = compileRuntime(root);

    expect(runtime.compiled).toBe(true);
    const output = execFileSync(process.execPath, [join(runtime.dir, 'services/budget/src/main.js')], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ cents: '1234', vat: '0.20', logged: ['Budget.total'] });
    expect(readdirSync(join(runtime.dir, 'libs/money/src')).sort()).toEqual(['index.js', 'rates.json']);
  });

  it('when nothing changed, the next call reuses the build; when a source changes, it compiles a new one', () => {
    const first = compileRuntime(root);
    const again = compileRuntime(root);
    expect(again).toMatchObject({ dir: first.dir, compiled: false });

    writeFileSync(join(root, 'libs/money/src/index.ts'), "export const toCents = (amount: string): bigint => BigInt(amount.replace('.', '')) * 10n;\n");
    const changed = compileRuntime(root);

    expect(changed.compiled).toBe(true);
    expect(changed.dir).not.toBe(first.dir);
    const output = execFileSync(process.execPath, [join(changed.dir, 'services/budget/src/main.js')], { encoding: 'utf8' });
    expect(JSON.parse(output).cents).toBe('12340');
  });

  it('when a build is more than an hour old and not the current one, the next compile removes it', () => {
    const old = compileRuntime(root);
    const hoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(old.dir, hoursAgo, hoursAgo);
    writeFileSync(join(root, 'libs/money/src/extra.ts'), 'export const extra = 1;\n');

    const current = compileRuntime(root);

    expect(readdirSync(join(root, 'dist/dev-runtime'))).toEqual([current.dir.split('/').pop()]);
  });
});
