import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { asyncApiDocument, breakingChanges, publishedSchemas } from '../src';

/**
 * Breaking changes the owners decided, each replacing a committed version with the next: the old
 * version's schema stays committed as the record, and the guard checks that the break happened only here.
 */
const RecordedBreaks: Record<string, { successor: string; decided: string; why: string }> = {
  'budget.sent.v1': {
    successor: 'budget.sent.v2',
    decided: '2026-12-05',
    why: 'a send is a summary; its lines travel once, in budget.sent.lines',
  },
  'budget.accepted.v1': {
    successor: 'budget.accepted.v2',
    decided: '2026-12-05',
    why: 'an acceptance carries the decision only; the lines are the send\'s',
  },
};

// A loosely typed JSON Schema document, as read from disk.
type Doc = { type: string; properties: Record<string, object>; required: string[] };

const schemasDir = join(__dirname, '..', 'schemas');
const committed = new Map(
  readdirSync(schemasDir)
    .filter((file) => file.endsWith('.schema.json'))
    .map((file) => [file.replace('.schema.json', ''), JSON.parse(readFileSync(join(schemasDir, file), 'utf8'))]),
);

describe('published event schemas', () => {
  it.each(publishedSchemas().map((p) => [p.type, p] as const))(
    '%s has a committed JSON Schema (run npm run contracts:export after adding an event type)',
    (type) => {
      expect(committed.has(type)).toBe(true);
    },
  );

  it.each([...committed.keys()].filter((type) => !(type in RecordedBreaks)).map((type) => [type]))(
    '%s has no breaking change against the committed schema (breaking changes need a new version)',
    (type) => {
      const current = publishedSchemas().find((p) => p.type === type);
      expect(current).toBeDefined();
      expect(breakingChanges(committed.get(type), current!.schema)).toEqual([]);
    },
  );

  it.each(Object.entries(RecordedBreaks))(
    '%s was replaced by a decided break: its schema stays committed, its successor is current and really breaks it',
    (type, { successor }) => {
      expect(committed.has(type)).toBe(true);
      expect(publishedSchemas().some((p) => p.type === type)).toBe(false);
      const next = publishedSchemas().find((p) => p.type === successor);
      expect(next).toBeDefined();
      expect(breakingChanges(committed.get(type), next!.schema)).not.toEqual([]);
    },
  );

  it('every committed schema that is no longer current was replaced by a recorded break', () => {
    const current = new Set(publishedSchemas().map((p) => p.type));
    const retired = [...committed.keys()].filter((type) => !current.has(type));
    expect(retired.sort()).toEqual(Object.keys(RecordedBreaks).sort());
  });

  it('the committed AsyncAPI document is the one the contracts generate (run npm run contracts:export)', () => {
    const committedDocument = readFileSync(join(schemasDir, 'asyncapi.yaml'), 'utf8');
    expect(committedDocument).toContain(stringify(asyncApiDocument(), { aliasDuplicateObjects: false }));
  });
});

describe('breakingChanges', () => {
  const base: Doc = {
    type: 'object',
    properties: {
      budgetId: { type: 'string' },
      total: { type: 'string' },
      status: { type: 'string', enum: ['a', 'b'] },
      note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    },
    required: ['budgetId', 'total', 'status'],
  };

  it('when nothing changes, reports nothing', () => {
    expect(breakingChanges(base, structuredClone(base))).toEqual([]);
  });

  it('when an optional field or an enum value is added, reports nothing', () => {
    const next = structuredClone(base);
    next.properties.extra = { type: 'number' };
    next.properties.status = { type: 'string', enum: ['a', 'b', 'c'] };
    expect(breakingChanges(base, next)).toEqual([]);
  });

  it.each([
    ['a field is removed', (s: Doc) => delete s.properties.total, '$.total: field removed'],
    ['a type changes', (s: Doc) => (s.properties.total = { type: 'number' }), '$.total: type changed from string to number'],
    ['a required field becomes optional', (s: Doc) => (s.required = ['budgetId', 'status']), '$.total: required field made optional'],
    ['an enum value is removed', (s: Doc) => ((s.properties.status as { enum: string[] }).enum = ['a']), '$.status: enum value "b" removed'],
    ['a field becomes nullable', (s: Doc) => (s.properties.total = { anyOf: [{ type: 'string' }, { type: 'null' }] }), '$.total: type changed from string to null|string'],
  ] as [string, (s: Doc) => unknown, string][])('when %s, reports it', (_scenario, mutate, expected) => {
    const next = structuredClone(base);
    mutate(next);
    expect(breakingChanges(base, next)).toContain(expected);
  });
});
