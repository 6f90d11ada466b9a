import { readFileSync } from 'node:fs';
import { APPS, AppSpec } from './catalog';
import { repoFileExists, repoPath } from './repo';

export interface CodeSources {
  /** services/<x>/src/config.ts of each service, by service name. */
  configs: Record<string, string | undefined>;
  healthController: string | undefined;
  simulatorIndex: string | undefined;
  simulatorRoutes: string | undefined;
  consoleConfig: string | undefined;
  consoleServer: string | undefined;
}

const read = (relative: string): string | undefined => (repoFileExists(relative) ? readFileSync(repoPath(relative), 'utf8') : undefined);

export function codeSources(): CodeSources {
  return {
    configs: Object.fromEntries(Object.values(APPS).filter((app) => app.service).map((app) => [app.service!, read(`${app.dir}/src/config.ts`)])),
    healthController: read('libs/service-kit/src/health/health.controller.ts'),
    simulatorIndex: read('tools/erp-simulator/src/index.ts'),
    simulatorRoutes: read('tools/erp-simulator/src/control.routes.ts'),
    consoleConfig: read('services/web-console/src/server/config.ts'),
    consoleServer: read('services/web-console/src/server/server.ts'),
  };
}

/** The ports and health routes the deployment assumes are the ones the code serves. */
export function catalogProblems(sources: CodeSources, apps: Record<string, AppSpec> = APPS): string[] {
  const problems: string[] = [];
  for (const [name, app] of Object.entries(apps)) {
    if (app.service) {
      const config = sources.configs[app.service];
      const port = config && /PORT:\s*port\((\d+)\)/.exec(config)?.[1];
      if (config && Number(port) !== app.port) problems.push(`${name}: the deployment uses port ${app.port}, ${app.dir}/src/config.ts defaults to ${port ?? 'none'}`);
      const health = sources.healthController ?? '';
      const base = /@Controller\('([^']+)'\)/.exec(health)?.[1];
      const routes = [...health.matchAll(/@Get\('([^']+)'\)/g)].map((match) => `/${base}/${match[1]}`);
      for (const route of [app.live, app.ready]) if (sources.healthController && !routes.includes(route)) problems.push(`${name}: probes ${route}, which the service kit does not serve (${routes.join(', ')})`);
    } else if (app.console) {
      const port = sources.consoleConfig && /PORT:[^\n]*\.default\((\d+)\)/.exec(sources.consoleConfig)?.[1];
      if (sources.consoleConfig && Number(port) !== app.port) problems.push(`${name}: the deployment uses port ${app.port}, the console defaults to ${port ?? 'none'}`);
      for (const route of [app.live, app.ready]) {
        if (sources.consoleServer && !sources.consoleServer.includes(`pathname === '${route}'`)) problems.push(`${name}: probes ${route}, which the console does not serve`);
      }
    } else {
      const port = sources.simulatorIndex && /DEFAULT_ERP_SIMULATOR_PORT = (\d+)/.exec(sources.simulatorIndex)?.[1];
      if (sources.simulatorIndex && Number(port) !== app.port) problems.push(`${name}: the deployment uses port ${app.port}, the simulator defaults to ${port ?? 'none'}`);
      for (const route of [app.live, app.ready]) {
        if (sources.simulatorRoutes && !sources.simulatorRoutes.includes(`path: '${route}'`)) problems.push(`${name}: probes ${route}, which the simulator does not serve`);
      }
    }
  }
  return problems;
}
