import * as fs from 'node:fs';
import * as path from 'node:path';
import { startBroker, RunningBroker } from '../src';
import { ApiKey, supportedVersions, versionTable } from '../src/protocol/api-keys';
import { ErrorCode } from '../src/protocol/error-codes';
import { Reader } from '../src/protocol/reader';
import { decodeMessage, encodeMessage } from '../src/protocol/schema/codec';
import { Writer } from '../src/protocol/writer';
import { RawClient } from './support/raw-client';

describe('the dev broker speaks every version it offers', () => {
  let broker: RunningBroker;

  beforeAll(async () => {
    broker = await startBroker({ port: 0 });
  });

  afterAll(async () => {
    await broker.stop();
  });

  it('the README table of versions is the one defined in code', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const table = /<!-- versions:start -->\n([\s\S]*?)\n<!-- versions:end -->/.exec(readme);
    expect(table?.[1]).toBe(versionTable());
  });

  it('every request and response version encodes and decodes back to the same bytes', () => {
    for (const api of supportedVersions) {
      for (let v = api.min; v <= api.max; v++) {
        for (const def of [api.request, api.response]) {
          const w = new Writer();
          encodeMessage(def, v, w, {});
          const bytes = w.toBuffer();
          const r = new Reader(bytes);
          const decoded = decodeMessage<object>(def, v, r);
          expect({ api: api.name, v, left: r.remaining() }).toEqual({ api: api.name, v, left: 0 });
          const again = new Writer();
          encodeMessage(def, v, again, decoded);
          expect(again.toBuffer().equals(bytes)).toBe(true);
        }
      }
    }
  });

  it('ApiVersions v3 answers with header v0, a flexible body listing every range, and no error', async () => {
    const client = await RawClient.connect(broker.port);
    try {
      const res = await client.call<{ errorCode: number; apiKeys: Array<{ apiKey: number; minVersion: number; maxVersion: number }>; throttleTimeMs: number }>(ApiKey.ApiVersions, 3, {
        clientSoftwareName: 'raw-test',
        clientSoftwareVersion: '1.0',
      });
      expect(res.errorCode).toBe(ErrorCode.None);
      expect(res.apiKeys).toEqual(supportedVersions.map((s) => ({ apiKey: s.key, minVersion: s.min, maxVersion: s.max })));
    } finally {
      client.close();
    }
  });

  it('answers Metadata at every version from 0 to 12, flexible ones by topic id too', async () => {
    const client = await RawClient.connect(broker.port);
    try {
      type Md = { topics: Array<{ errorCode: number; name: string | null; topicId: string; partitions: Array<{ partitionIndex: number; leaderId: number }> }>; brokers: Array<{ port: number }> };
      for (let v = 0; v <= 12; v++) {
        const name = `versions.metadata-${v}`;
        const res = await client.call<Md>(ApiKey.Metadata, v, { topics: [{ name }], allowAutoTopicCreation: true });
        expect(res.brokers[0].port).toBe(broker.port);
        expect(res.topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([[name, ErrorCode.None, 3]]);
        if (v >= 10) {
          const byId = await client.call<Md>(ApiKey.Metadata, v, { topics: [{ topicId: res.topics[0].topicId, name: null }], allowAutoTopicCreation: false });
          expect(byId.topics[0].name).toBe(name);
        }
      }
    } finally {
      client.close();
    }
  });

  it('a flexible request with unknown tagged fields in its header and body is still answered', async () => {
    const client = await RawClient.connect(broker.port);
    try {
      client.request(ApiKey.ApiVersions, 3, 5, (w) => {
        w.unsignedVarint(1).unsignedVarint(42).unsignedVarint(2).raw(Buffer.from([1, 2])); // header: one unknown tag
        w.compactNullableString('raw').compactNullableString('1');
        w.unsignedVarint(1).unsignedVarint(7).unsignedVarint(1).raw(Buffer.from([9])); // body: one unknown tag
      });
      const frame = await client.nextFrame();
      const r = new Reader(frame as Buffer);
      expect(r.int32()).toBe(5);
      expect(r.int16()).toBe(ErrorCode.None);
    } finally {
      client.close();
    }
  });
});
