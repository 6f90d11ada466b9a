/**
 * Self time of a V8 CPU profile by package group (NestJS, TypeORM, zod, JSON, logging, kafkajs, pg, …)
 * and by function. `node -r @swc-node/register tools/e2e/bench/profile-summary.ts <file.cpuprofile> [top]`
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const GROUPS: [string, RegExp][] = [
  ['NestJS', /node_modules\/@nestjs\//],
  ['TypeORM', /node_modules\/typeorm\//],
  ['zod', /node_modules\/zod\//],
  ['kafkajs', /node_modules\/kafkajs\//],
  ['pg', /node_modules\/pg[-/]|node_modules\/postgres-/],
  ['HTTP (express, body-parser, …)', /node_modules\/(express|body-parser|router|raw-body|iconv-lite|finalhandler|send|qs|type-is|mime|on-finished|path-to-regexp|cookie|accepts|content-type|negotiator|depd|statuses|http-errors)\//],
  ['rxjs', /node_modules\/rxjs\//],
  ['logging', /\/logging\/|node_modules\/pino/],
  ['auth (JWT)', /node_modules\/(jsonwebtoken|jose|jws|jwa)\/|\/libs\/auth\//],
  ['prom-client', /node_modules\/prom-client\//],
  ['messaging lib', /\/libs\/messaging\//],
  ['contracts lib', /\/libs\/contracts\//],
  ['service-kit lib', /\/libs\/service-kit\//],
  ['service code', /\/services\//],
];

/** The group a frame's self time goes to. */
function groupOf(functionName: string, url: string): string {
  if (!url) {
    if (/^(parse|stringify)$/.test(functionName)) return 'JSON';
    if (functionName.startsWith('(')) return functionName;
    if (/^(writev|writeBuffer|writeUtf8String|writeLatin1String|dispatch|readStart|shutdown|close)$/.test(functionName)) return 'native socket I/O';
    return '(native, other)';
  }
  if (url.startsWith('node:')) return 'Node (net, streams, timers, …)';
  for (const [group, pattern] of GROUPS) if (pattern.test(url)) return group;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  return pkg ? `other: ${pkg}` : 'other';
}

export interface ProfileSummary {
  totalMs: number;
  byGroup: [string, number][];
  byFunction: [string, number][];
}

/** Self time (ms) by group and by function, biggest first. */
export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byGroup = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    total += us;
    const where = frame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'node_modules/').replace(/^.*\/dist\/dev-runtime\/[^/]+\//, '').replace(/^\/work\/[^/]+\//, '');
    const fn = `${frame.functionName || '(anonymous)'} ${where}${where ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const group = groupOf(frame.functionName, frame.url);
    byGroup.set(group, (byGroup.get(group) ?? 0) + us);
  }
  const sorted = (map: Map<string, number>) => [...map].map(([k, us]) => [k, us / 1000] as [string, number]).sort((a, b) => b[1] - a[1]);
  return { totalMs: total / 1000, byGroup: sorted(byGroup), byFunction: sorted(byFunction) };
}

if (require.main === module) {
  const [file, topArg] = process.argv.slice(2);
  const { totalMs, byGroup, byFunction } = summarizeProfile(file);
  const top = Number(topArg ?? 15);
  const show = (title: string, rows: [string, number][]) => {
    console.log(`${title} (of ${(totalMs / 1000).toFixed(1)} s busy):`);
    for (const [name, ms] of rows.slice(0, top)) console.log(`  ${((ms / totalMs) * 100).toFixed(1).padStart(5)}%  ${name}`);
  };
  show('Self time by group', byGroup);
  show('Self time by function', byFunction);
}
