const KEY = Buffer.from('"erpSystem"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const isJsonSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/**
 * The ERP system a `budget.accepted` message names, read from its raw JSON without parsing it, so
 * the other ERPs' consumer groups can skip a megabytes-large export cheaply. The payload has one
 * `erpSystem` key (`snapshot.erpSystem`); inside JSON strings every quote is escaped, so the bytes
 * `"erpSystem"` followed by a colon can only be that key. Answers undefined — parse the message
 * instead — when the key is missing, named twice with different values, preceded by a backslash,
 * or not followed by a plain string.
 */
export function erpSystemNamedIn(json: Buffer): string | undefined {
  let named: string | undefined;
  for (let at = json.indexOf(KEY); at !== -1; at = json.indexOf(KEY, at + KEY.length)) {
    if (at > 0 && json[at - 1] === BACKSLASH) return undefined;
    let i = at + KEY.length;
    while (i < json.length && isJsonSpace(json[i])) i++;
    // A string "erpSystem" that is a value (followed by , } or ]) is not the key.
    if (json[i] !== COLON) continue;
    i++;
    while (i < json.length && isJsonSpace(json[i])) i++;
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
