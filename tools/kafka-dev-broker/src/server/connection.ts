import * as net from 'node:net';
import { decodeRequestHeader } from '../protocol/header';
import { Reader } from '../protocol/reader';
import { Logger } from './logger';
import { RequestRouter } from './request-router';

const MIN_REQUEST_BYTES = 10; // api key, version, correlation id, client id length
const MAX_QUEUED = 64;
const MAX_UNSENT_BYTES = 64 * 1024 * 1024; // a client that stops reading stops being served, not the broker's memory

/**
 * One client connection. Requests are answered strictly in order, one at a time, like a Kafka broker
 * muting a channel while a request is in progress (a long-polling Fetch holds back what follows it).
 */
export class Connection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly queue: Buffer[] = [];
  private busy = false;
  private closed = false;
  readonly peer: string;

  constructor(
    private readonly socket: net.Socket,
    private readonly router: RequestRouter,
    private readonly maxRequestBytes: number,
    private readonly log: Logger,
    private readonly onClose: (c: Connection) => void,
  ) {
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.on('data', (d) => this.onData(d));
    socket.on('drain', () => this.drain());
    socket.on('error', (e) => this.log.debug(`connection ${this.peer} error: ${e.message}`));
    socket.on('close', () => {
      this.closed = true;
      this.log.debug(`connection ${this.peer} closed`);
      this.onClose(this);
    });
    this.log.debug(`connection ${this.peer} opened`);
  }

  destroy(reason?: string): void {
    if (reason) this.log.debug(`connection ${this.peer} dropped: ${reason}`);
    this.closed = true;
    this.socket.destroy();
  }

  private onData(data: Buffer): void {
    if (this.closed) return;
    this.chunks.push(data);
    this.buffered += data.length;
    while (this.buffered >= 4) {
      const size = this.peek(4).readInt32BE(0);
      if (size < MIN_REQUEST_BYTES || size > this.maxRequestBytes) {
        this.destroy(`request size ${size} out of bounds`);
        return;
      }
      if (this.buffered < size + 4) break;
      this.queue.push(this.consume(size + 4).subarray(4));
    }
    this.drain();
  }

  /** The first n buffered bytes, without consuming them. */
  private peek(n: number): Buffer {
    return this.chunks[0].length >= n ? this.chunks[0] : Buffer.concat(this.chunks, n);
  }

  /** Removes and returns the first n buffered bytes (a copy only when they span chunks). */
  private consume(n: number): Buffer {
    const out = this.peek(n).subarray(0, n);
    let left = n;
    while (left > 0) {
      const c = this.chunks[0];
      if (c.length <= left) {
        this.chunks.shift();
        left -= c.length;
      } else {
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
    return out;
  }

  private drain(): void {
    while (!this.busy && !this.closed && this.queue.length > 0 && this.socket.writableLength < MAX_UNSENT_BYTES) {
      const frame = this.queue.shift() as Buffer;
      this.process(frame);
    }
    if (this.queue.length > MAX_QUEUED) this.socket.pause();
    else if (!this.busy && this.queue.length <= MAX_QUEUED / 2 && this.socket.isPaused()) this.socket.resume();
  }

  private send(frame: Buffer | Buffer[]): void {
    if (!Array.isArray(frame)) {
      this.socket.write(frame);
      return;
    }
    this.socket.cork();
    for (const piece of frame) this.socket.write(piece);
    this.socket.uncork();
  }

  private process(frame: Buffer): void {
    let outcome;
    try {
      const r = new Reader(frame);
      const header = decodeRequestHeader(r);
      outcome = this.router.handle(header, r, this.socket.remoteAddress ?? '');
    } catch (e) {
      this.destroy(`malformed request: ${(e as Error).message}`);
      return;
    }
    switch (outcome.kind) {
      case 'respond':
        this.send(outcome.frame);
        return;
      case 'noResponse':
        return;
      case 'close':
        this.destroy(outcome.reason);
        return;
      case 'wait':
        this.busy = true;
        outcome.frame.then(
          (frame) => {
            this.busy = false;
            if (this.closed) return;
            this.send(frame);
            this.drain();
          },
          (e: unknown) => {
            this.busy = false;
            this.destroy(`request failed: ${(e as Error).message}`);
          },
        );
        return;
      default: {
        const never: never = outcome;
        throw new Error(`unexpected outcome ${String(never)}`);
      }
    }
  }
}
