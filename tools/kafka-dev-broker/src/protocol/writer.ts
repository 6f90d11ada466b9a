/** Growable big-endian writer for response bodies. */
export class Writer {
  private buf: Buffer;
  private pos = 0;
  /** Finished pieces when large buffers are referenced rather than copied (see `rawRef`). */
  private readonly pieces: Buffer[] = [];
  private pieceStart = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  int64(v: number | bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt(v), this.pos);
    this.pos += 8;
    return this;
  }

  nullableString(s: string | null): this {
    if (s === null) return this.int16(-1);
    const len = Buffer.byteLength(s);
    this.int16(len);
    this.ensure(len);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += len;
    return this;
  }

  string(s: string): this {
    return this.nullableString(s);
  }

  nullableBytes(b: Buffer | null): this {
    if (b === null) return this.int32(-1);
    this.int32(b.length);
    return this.raw(b);
  }

  bytes(b: Buffer): this {
    return this.nullableBytes(b);
  }

  uint16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }

  /** 32 hex digits as 16 bytes. */
  uuid(hex: string): this {
    const b = Buffer.from(hex, 'hex');
    if (b.length !== 16) throw new Error(`not a uuid: ${hex}`);
    return this.raw(b);
  }

  unsignedVarint(v: number): this {
    this.ensure(5);
    let x = v >>> 0;
    while (x >= 0x80) {
      this.buf[this.pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.pos++] = x;
    return this;
  }

  compactNullableString(s: string | null): this {
    if (s === null) return this.unsignedVarint(0);
    const len = Buffer.byteLength(s);
    this.unsignedVarint(len + 1);
    this.ensure(len);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += len;
    return this;
  }

  compactNullableBytes(b: Buffer | null): this {
    if (b === null) return this.unsignedVarint(0);
    this.unsignedVarint(b.length + 1);
    return this.raw(b);
  }

  /** Bytes written so far (the pieces shared by `rawRef` included). */
  get length(): number {
    let n = this.pos - this.pieceStart;
    for (const p of this.pieces) n += p.length;
    return n;
  }

  raw(b: Buffer): this {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Appends a buffer by reference: it goes to the socket as it is, without a copy. */
  rawRef(b: Buffer): this {
    if (b.length < 4096) return this.raw(b);
    this.pieces.push(this.buf.subarray(this.pieceStart, this.pos), b);
    this.pieceStart = this.pos;
    return this;
  }

  array<T>(items: readonly T[], write: (w: this, item: T) => void): this {
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  /** A copy of the bytes written so far. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  /** A response frame: size prefix, correlation id, then the body written by `build`. */
  static frame(correlationId: number, build: (w: Writer) => void, sizeHint = 256, flexibleHeader = false): Buffer {
    const w = new Writer(sizeHint);
    w.int32(0).int32(correlationId);
    if (flexibleHeader) w.unsignedVarint(0); // response header v1: no tagged fields
    build(w);
    w.buf.writeInt32BE(w.pos - 4, 0);
    return w.buf.subarray(0, w.pos);
  }

  /** Like `frame`, as pieces to write in order, large `rawRef` buffers shared rather than copied. */
  static framePieces(correlationId: number, build: (w: Writer) => void, sizeHint = 256, flexibleHeader = false): Buffer[] {
    const w = new Writer(sizeHint);
    w.int32(0).int32(correlationId);
    if (flexibleHeader) w.unsignedVarint(0);
    build(w);
    const pieces = [...w.pieces, w.buf.subarray(w.pieceStart, w.pos)];
    let size = 0;
    for (const p of pieces) size += p.length;
    pieces[0].writeInt32BE(size - 4, 0);
    return pieces;
  }
}
