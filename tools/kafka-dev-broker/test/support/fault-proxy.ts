import * as net from 'node:net';

/**
 * A TCP proxy in front of the broker that, once, lets a request with the given API key reach the broker
 * and then cuts the client's connection before the response gets back — a response lost on the network.
 */
export class ResponseDroppingProxy {
  private readonly server = net.createServer((client) => this.accept(client));
  private readonly sockets = new Set<net.Socket>();
  private armed = true;
  dropped = 0;
  port = 0;
  target = 0;

  constructor(private readonly apiKey: number) {}

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect(this.target, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    let dropping = false;
    client.on('data', (d) => {
      upstream.write(d);
      if (!this.armed) return;
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 6) {
        const size = pending.readInt32BE(0);
        if (pending.length < size + 4) break;
        const key = pending.readInt16BE(4);
        pending = pending.subarray(size + 4);
        if (key === this.apiKey && this.armed) {
          this.armed = false;
          dropping = true;
          this.dropped++;
          setTimeout(() => {
            client.destroy();
            upstream.destroy();
          }, 100);
        }
      }
    });
    upstream.on('data', (d) => {
      if (!dropping) client.write(d);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
