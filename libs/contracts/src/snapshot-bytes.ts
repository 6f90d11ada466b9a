/**
 * Reading the raw JSON of a snapshot event (`budget.sent`, `budget.accepted`: megabytes for a large
 * budget) without parsing it, for consumers that need only part of it.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const isJsonSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

function skipSpace(json: Buffer, at: number): number {
  while (at < json.length && isJsonSpace(json[at])) at++;
  return at;
}

/** The index just past the string that opens at `at` (a quote), or -1 if it never closes. */
function stringEnd(json: Buffer, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = json.indexOf(QUOTE, from);
    if (quote === -1) return -1;
    let backslashes = 0;
    while (json[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The index just past the JSON value that starts at `at`, or -1 if it is cut off. */
function valueEnd(json: Buffer, at: number): number {
  const first = json[at];
  if (first === QUOTE) return stringEnd(json, at);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    for (let i = at; i < json.length; i++) {
      const byte = json[i];
      if (byte === QUOTE) {
        const end = stringEnd(json, i);
        if (end === -1) return -1;
        i = end - 1;
      } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        depth++;
      } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  let i = at;
  while (i < json.length && !isJsonSpace(json[i]) && json[i] !== COMMA && json[i] !== CLOSE_OBJECT && json[i] !== CLOSE_ARRAY) i++;
  return i === at ? -1 : i;
}

interface Member {
  key: string;
  keyStart: number;
  valueStart: number;
  valueEnd: number;
}

/**
 * The members of the object that opens at `at`, with where each key and value lie, or undefined
 * when the bytes are not such an object or a key holds an escape (then only a real parse can tell
 * which key it is).
 */
function membersOf(json: Buffer, at: number): { members: Member[]; end: number } | undefined {
  if (json[at] !== OPEN_OBJECT) return undefined;
  const members: Member[] = [];
  let i = skipSpace(json, at + 1);
  if (json[i] === CLOSE_OBJECT) return { members, end: i + 1 };
  for (;;) {
    if (json[i] !== QUOTE) return undefined;
    const keyEnd = stringEnd(json, i);
    if (keyEnd === -1) return undefined;
    const key = json.toString('utf8', i + 1, keyEnd - 1);
    if (key.includes('\\')) return undefined;
    const colon = skipSpace(json, keyEnd);
    if (json[colon] !== COLON) return undefined;
    const valueStart = skipSpace(json, colon + 1);
    const end = valueEnd(json, valueStart);
    if (end === -1) return undefined;
    members.push({ key, keyStart: i, valueStart, valueEnd: end });
    const next = skipSpace(json, end);
    if (json[next] === CLOSE_OBJECT) return { members, end: next + 1 };
    if (json[next] !== COMMA) return undefined;
    i = skipSpace(json, next + 1);
  }
}

/** The one member named `key`, or undefined when there is none or more than one. */
function onlyMember(members: Member[], key: string): { member: Member; index: number } | undefined {
  const indexes = members.flatMap((member, index) => (member.key === key ? [index] : []));
  return indexes.length === 1 ? { member: members[indexes[0]], index: indexes[0] } : undefined;
}

/**
 * The JSON of a snapshot topic's payload without `snapshot.lines`, cut from the raw bytes without
 * parsing them: a consumer that needs only the summary then parses a few hundred bytes instead of
 * megabytes, and holds no copy of the lines. The lines' bytes are scanned (to find where the array
 * ends) but not decoded, so their content is not checked; the shape around them is, by the parse
 * that follows. Answers undefined — parse the whole payload instead — when the bytes are not one
 * JSON object with exactly one `snapshot` object holding exactly one `lines` array, or when a key
 * on the way holds an escape.
 */
export function withoutSnapshotLines(json: Buffer): Buffer | undefined {
  const start = skipSpace(json, 0);
  const top = membersOf(json, start);
  if (!top || skipSpace(json, top.end) !== json.length) return undefined;
  const snapshot = onlyMember(top.members, 'snapshot');
  if (!snapshot) return undefined;
  const inner = membersOf(json, snapshot.member.valueStart);
  if (!inner) return undefined;
  const lines = onlyMember(inner.members, 'lines');
  if (!lines || json[lines.member.valueStart] !== OPEN_ARRAY) return undefined;
  // Cut the member with the comma that separates it from a neighbour: up to the next member's key,
  // or, for the last member, from the end of the previous member's value.
  const { member, index } = lines;
  const next = inner.members[index + 1];
  const previous = inner.members[index - 1];
  const [cutStart, cutEnd] = next ? [member.keyStart, next.keyStart] : previous ? [previous.valueEnd, member.valueEnd] : [member.keyStart, member.valueEnd];
  return Buffer.concat([json.subarray(0, cutStart), json.subarray(cutEnd)]);
}

const ERP_SYSTEM_KEY = Buffer.from('"erpSystem"');

/**
 * The ERP system a snapshot event (`budget.sent`, `budget.accepted`) names, read from its raw JSON
 * without parsing it, so the other ERPs' consumer groups can skip a megabytes-large export
 * cheaply. The payload has one `erpSystem` key (`snapshot.erpSystem`); inside JSON strings every
 * quote is escaped, so the bytes `"erpSystem"` followed by a colon can only be that key. Answers
 * undefined — parse the message instead — when the key is missing, named twice with different
 * values, preceded by a backslash, or not followed by a plain string.
 */
export function snapshotErpSystemIn(json: Buffer): string | undefined {
  let named: string | undefined;
  for (let at = json.indexOf(ERP_SYSTEM_KEY); at !== -1; at = json.indexOf(ERP_SYSTEM_KEY, at + ERP_SYSTEM_KEY.length)) {
    if (at > 0 && json[at - 1] === BACKSLASH) return undefined;
    const colon = skipSpace(json, at + ERP_SYSTEM_KEY.length);
    // A string "erpSystem" that is a value (followed by , } or ]) is not the key.
    if (json[colon] !== COLON) continue;
    const i = skipSpace(json, colon + 1);
    if (json[i] !== QUOTE) return undefined;
    const end = json.indexOf(QUOTE, i + 1);
    if (end === -1) return undefined;
    const value = json.toString('utf8', i + 1, end);
    if (value.includes('\\')) return undefined;
    if (named !== undefined && named !== value) return undefined;
    named = value;
  }
  return named;
}
