import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { asArray, asObject, isObject, Json, parseYaml, parseYamlDocuments } from './repo';

/**
 * A small kustomize, enough for deploy/k8s: resources (files and directories), ConfigMap and Secret
 * generators (literals and env files; create, merge, replace), images, strategic-merge patches by
 * kind and name, namespace and labels. Generated names keep no hash suffix, so references resolve
 * by plain name. Secret values stay readable (`stringData`) so the checks can validate them.
 */
export function kustomizeBuild(dir: string): Json[] {
  const kustomization = asObject(parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')));
  let resources: Json[] = [];
  for (const entry of asArray(kustomization.resources).map(String)) {
    const path = join(dir, entry);
    if (existsSync(path) && statSync(path).isDirectory()) resources.push(...kustomizeBuild(path));
    else resources.push(...parseYamlDocuments(readFileSync(path, 'utf8')).filter(isObject));
  }
  resources = applyGenerators(dir, resources, asArray(kustomization.configMapGenerator), 'ConfigMap');
  resources = applyGenerators(dir, resources, asArray(kustomization.secretGenerator), 'Secret');
  for (const raw of asArray(kustomization.patches)) {
    const patchPath = asObject(raw).path;
    if (typeof patchPath !== 'string') continue;
    for (const patch of parseYamlDocuments(readFileSync(join(dir, patchPath), 'utf8')).filter(isObject)) {
      const target = resources.find((doc) => doc.kind === patch.kind && nameOf(doc) === nameOf(patch));
      if (!target) throw new Error(`patch ${patchPath}: no ${String(patch.kind)} ${nameOf(patch)}`);
      resources[resources.indexOf(target)] = strategicMerge(target, patch) as Json;
    }
  }
  for (const raw of asArray(kustomization.images)) applyImage(resources, asObject(raw));
  for (const raw of asArray(kustomization.labels)) {
    const pairs = asObject(asObject(raw).pairs);
    for (const doc of resources) {
      const metadata = asObject(doc.metadata);
      metadata.labels = { ...asObject(metadata.labels), ...pairs };
      doc.metadata = metadata;
    }
  }
  if (typeof kustomization.namespace === 'string') {
    for (const doc of resources) {
      if (doc.kind !== 'Namespace') doc.metadata = { ...asObject(doc.metadata), namespace: kustomization.namespace };
    }
  }
  return resources;
}

export const nameOf = (doc: Json): string => String(asObject(doc.metadata).name);

function readEnvFile(path: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq > 0) values[trimmed.slice(0, eq)] = trimmed.slice(eq + 1);
  }
  return values;
}

function applyGenerators(dir: string, resources: Json[], generators: unknown[], kind: 'ConfigMap' | 'Secret'): Json[] {
  const field = kind === 'ConfigMap' ? 'data' : 'stringData';
  for (const raw of generators) {
    const generator = asObject(raw);
    const data: Record<string, string> = {};
    for (const literal of asArray(generator.literals).map(String)) {
      const eq = literal.indexOf('=');
      data[literal.slice(0, eq)] = literal.slice(eq + 1);
    }
    for (const file of asArray(generator.envs).map(String)) Object.assign(data, readEnvFile(join(dir, file)));
    const name = String(generator.name);
    const existing = resources.find((doc) => doc.kind === kind && nameOf(doc) === name);
    const behavior = generator.behavior ?? 'create';
    if (behavior === 'create') {
      if (existing) throw new Error(`${kind} ${name} generated twice`);
      resources.push({ apiVersion: 'v1', kind, metadata: { name }, [field]: data });
    } else {
      if (!existing) throw new Error(`${kind} ${name}: behavior ${String(behavior)} without a base to ${String(behavior)}`);
      existing[field] = behavior === 'merge' ? { ...asObject(existing[field]), ...data } : data;
    }
  }
  return resources;
}

function applyImage(resources: Json[], image: Json): void {
  const name = String(image.name);
  for (const doc of resources) {
    const podSpec = asObject(asObject(asObject(doc.spec).template).spec);
    for (const container of asArray(podSpec.containers).filter(isObject)) {
      const current = String(container.image ?? '');
      const [repository, tag] = splitImage(current);
      if (repository !== name) continue;
      const newName = typeof image.newName === 'string' ? image.newName : repository;
      const newTag = image.newTag !== undefined ? String(image.newTag) : tag;
      container.image = newTag ? `${newName}:${newTag}` : newName;
    }
  }
}

function splitImage(image: string): [string, string | undefined] {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
}

/** Strategic merge: maps merge deeply, lists of named items (containers, env, ports) merge by name. */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isObject(base) && isObject(patch)) {
    const merged: Json = { ...base };
    for (const [key, value] of Object.entries(patch)) merged[key] = key in base ? strategicMerge(base[key], value) : value;
    return merged;
  }
  if (Array.isArray(base) && Array.isArray(patch) && [...base, ...patch].every((item) => isObject(item) && typeof item.name === 'string')) {
    const merged = base.map((item) => {
      const override = patch.find((candidate) => asObject(candidate).name === asObject(item).name);
      return override ? strategicMerge(item, override) : item;
    });
    for (const item of patch) if (!base.some((existing) => asObject(existing).name === asObject(item).name)) merged.push(item);
    return merged;
  }
  return patch;
}
