export class MalformedRequestError extends Error {}

/** Bounds-checked reader over one request frame; any overrun throws MalformedRequestError. */
export class Reader {
  offset: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
  ) {
    this.offset = offset;
  }

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.buf.length) throw new MalformedRequestError('request truncated');
  }

  remaining(): number {
    return this.buf.length - this.offset;
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.offset++);
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  /** int64 read as a JS number: offsets and timestamps stay far below 2^53 here. */
  int64n(): number {
    return Number(this.int64());
  }

  nullableString(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    this.need(len);
    const s = this.buf.toString('utf8', this.offset, this.offset + len);
    this.offset += len;
    return s;
  }

  string(): string {
    const s = this.nullableString();
    if (s === null) throw new MalformedRequestError('null string');
    return s;
  }

  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len < 0) return null;
    this.need(len);
    const b = this.buf.subarray(this.offset, this.offset + len);
    this.offset += len;
    return b;
  }

  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }

  nullableArray<T>(item: (r: Reader) => T): T[] | null {
    const n = this.int32();
    if (n < 0) return null;
    // Each element takes at least one byte, so a count beyond the remaining bytes is a lie.
    if (n > this.remaining()) throw new MalformedRequestError('array length exceeds request');
    const out: T[] = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = item(this);
    return out;
  }

  array<T>(item: (r: Reader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }

  unsignedVarint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = this.int8() & 0xff;
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value >>> 0;
      shift += 7;
      if (shift > 28) throw new MalformedRequestError('varint too long');
    }
  }

  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  /** 16 bytes, as 32 lowercase hex digits. */
  uuid(): string {
    this.need(16);
    const s = this.buf.toString('hex', this.offset, this.offset + 16);
    this.offset += 16;
    return s;
  }

  /** A slice of n bytes (no copy). */
  take(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  /** Compact (flexible-version) string: unsigned varint length + 1, 0 for null. */
  compactNullableString(): string | null {
    const n = this.unsignedVarint() - 1;
    if (n < 0) return null;
    return this.take(n).toString('utf8');
  }

  compactNullableBytes(): Buffer | null {
    const n = this.unsignedVarint() - 1;
    if (n < 0) return null;
    return this.take(n);
  }

  /** Length of a compact array, -1 for null; bounded by the bytes left. */
  compactArrayLength(): number {
    const n = this.unsignedVarint() - 1;
    if (n > this.remaining()) throw new MalformedRequestError('array length exceeds request');
    return n;
  }

  /** Length of a classic array, -1 for null; bounded by the bytes left. */
  arrayLength(): number {
    const n = this.int32();
    if (n > this.remaining()) throw new MalformedRequestError('array length exceeds request');
    return n < 0 ? -1 : n;
  }

  /** Skips a tagged-field section of a flexible header. */
  skipTaggedFields(): void {
    const n = this.unsignedVarint();
    for (let i = 0; i < n; i++) {
      this.unsignedVarint();
      const size = this.unsignedVarint();
      this.need(size);
      this.offset += size;
    }
  }
}
