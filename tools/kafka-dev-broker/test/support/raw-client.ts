import * as net from 'node:net';
import { ApiKey, apiRange, isFlexibleVersion } from '../../src/protocol/api-keys';
import { Reader } from '../../src/protocol/reader';
import { decodeMessage, encodeMessage } from '../../src/protocol/schema/codec';
import { Writer } from '../../src/protocol/writer';

/** A bare TCP client that writes arbitrary bytes and reads size-prefixed frames, for protocol-level tests. */
export class RawClient {
  private buffered = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private notify(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends a request with header v1 and the given body. */
  request(apiKey: number, apiVersion: number, correlationId: number, body: (w: Writer) => void, clientId: string | null = 'raw'): void {
    const w = new Writer();
    w.int32(0).int16(apiKey).int16(apiVersion).int32(correlationId).nullableString(clientId);
    body(w);
    const frame = w.toBuffer();
    frame.writeInt32BE(frame.length - 4, 0);
    this.write(frame);
  }

  private nextCorrelation = 1000;

  /**
   * Sends one request encoded from Kafka's definition of that API version (header v2 for flexible
   * versions) and decodes the answer the same way (response header v1 for them, v0 for ApiVersions).
   */
  async call<T = Record<string, unknown>>(apiKey: number, version: number, body: object): Promise<T> {
    const range = apiRange(apiKey);
    if (!range) throw new Error(`api ${apiKey} unknown`);
    const flexible = isFlexibleVersion(apiKey, version);
    const correlationId = this.nextCorrelation++;
    this.request(apiKey, version, correlationId, (w) => {
      if (flexible) w.unsignedVarint(0);
      encodeMessage(range.request, version, w, body);
    });
    const frame = await this.nextFrame();
    if (frame === null) throw new Error('connection closed by the broker');
    const r = new Reader(frame);
    if (r.int32() !== correlationId) throw new Error('correlation id mismatch');
    if (flexible && apiKey !== ApiKey.ApiVersions) r.skipTaggedFields();
    const out = decodeMessage<T>(range.response, version, r);
    if (r.remaining() !== 0) throw new Error(`${r.remaining()} bytes left after the response`);
    return out;
  }

  /** The next response frame (without its size prefix), or null when the broker closed the connection. */
  async nextFrame(timeoutMs = 5000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buffered.length >= 4) {
        const size = this.buffered.readInt32BE(0);
        if (this.buffered.length >= size + 4) {
          const frame = this.buffered.subarray(4, size + 4);
          this.buffered = this.buffered.subarray(size + 4);
          return frame;
        }
      }
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no response frame in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async closedByPeer(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
