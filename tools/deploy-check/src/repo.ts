import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** The workspace root. */
export const repoRoot = resolve(__dirname, '../../..');

export const repoPath = (...parts: string[]): string => join(repoRoot, ...parts);

export const readRepoFile = (relative: string): string => readFileSync(repoPath(relative), 'utf8');

export const repoFileExists = (relative: string): boolean => existsSync(repoPath(relative));

/** YAML with merge keys (`<<: *anchor`), as docker compose reads it. */
export const parseYaml = (text: string): unknown => parse(text, { merge: true });

export const parseYamlDocuments = (text: string): unknown[] =>
  parseAllDocuments(text, { merge: true })
    .map((doc) => doc.toJS() as unknown)
    .filter((doc) => doc !== null && doc !== undefined);

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export const asObject = (value: unknown): Json => (isObject(value) ? value : {});

export const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
