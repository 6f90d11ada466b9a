/** An inclusive version range; the upper bound 32767 stands for "and later". */
export type Range = [number, number] | null;

/** One field of a Kafka message definition, as generated from Apache Kafka's JSON files. */
export interface FieldDef {
  /** Name, camelCase. */
  n: string;
  /** A primitive type, `[]` + primitive, `[]` (array of structs) or `{}` (struct). */
  t: string;
  v: Range;
  nv?: Range;
  tag?: number;
  tv?: Range;
  d?: unknown;
  f?: FieldDef[];
}

export interface MessageDef {
  valid: Range;
  flexible: Range;
  fields: FieldDef[];
}

export function inRange(r: Range | undefined, v: number): boolean {
  return r !== null && r !== undefined && v >= r[0] && v <= r[1];
}
