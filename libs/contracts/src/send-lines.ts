import { createHash, type Hash } from 'node:crypto';
import { SEND_LINES_PER_CHUNK } from './events/budget.events';
import type { SnapshotLine } from './events/common';

/**
 * JSON bytes a `budget.sent.lines` chunk may spend on its lines. With the envelope's other fields
 * and the record's headers this keeps every record under Kafka's default 1 MiB `max.message.bytes`,
 * whatever the lines' descriptions hold.
 */
export const SEND_LINES_CHUNK_MAX_BYTES = 900 * 1024;

/** The digest's view of one line: every exported field, in a fixed order. */
const digestRow = (line: SnapshotLine): string =>
  JSON.stringify([line.lineId, line.costCode, line.costType, line.subJob, line.description, line.amount, line.syncedAmount]);

/**
 * sha256 (hex) over a send's lines in order, fed chunk by chunk, so neither the producer nor a
 * consumer needs every line in memory at once.
 */
export class LinesDigest {
  private readonly hash: Hash = createHash('sha256');
  private lines = 0;

  update(lines: readonly SnapshotLine[]): this {
    for (const line of lines) {
      this.hash.update(digestRow(line));
      this.hash.update('\n');
    }
    this.lines += lines.length;
    return this;
  }

  /** How many lines were fed. */
  get lineCount(): number {
    return this.lines;
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/** The digest `budget.sent` carries for these lines. */
export const linesDigest = (lines: readonly SnapshotLine[]): string => new LinesDigest().update(lines).digest();

/** The bytes a line's JSON takes in a chunk (with its separator). */
export const chunkBytesOf = (lineJson: string): number => Buffer.byteLength(lineJson) + 1;

/**
 * The rule that cuts a send's lines into chunks, for `chunkSendLines` and for producers that cut
 * them as they read them: a line of `lineBytes` starts a new chunk when the current one is not empty
 * and holds 1,000 lines already or would pass about 900 KiB with it.
 */
export const startsNewChunk = (linesInChunk: number, bytesInChunk: number, lineBytes: number): boolean =>
  linesInChunk > 0 && (linesInChunk >= SEND_LINES_PER_CHUNK || bytesInChunk + lineBytes > SEND_LINES_CHUNK_MAX_BYTES);

/**
 * A send's lines cut into the ordered chunks of `budget.sent.lines`: at most 1,000 lines and
 * about 900 KiB of JSON each. An empty send has one empty chunk, so every send has at least one.
 */
export function chunkSendLines(lines: readonly SnapshotLine[]): SnapshotLine[][] {
  const chunks: SnapshotLine[][] = [];
  let current: SnapshotLine[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = chunkBytesOf(JSON.stringify(line));
    if (startsNewChunk(current.length, bytes, size)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(line);
    bytes += size;
  }
  chunks.push(current);
  return chunks;
}

/** What a consumer knows of a send: its summary (if heard) and the chunks heard so far. */
export interface SendPieces {
  summary?: { chunkCount: number; lineCount: number; linesDigest: string };
  /** Chunks heard, by chunk number; duplicates are harmless. */
  chunks: ReadonlyMap<number, readonly SnapshotLine[]>;
}

export type SendAssembly =
  | { complete: true; lines: SnapshotLine[] }
  | { complete: false; reason: 'summary_missing' | 'chunks_missing'; missingChunks: number[] }
  | { complete: false; reason: 'digest_mismatch' | 'line_count_mismatch'; missingChunks: [] };

/**
 * Whether a send can be acted on: the summary and all its chunks are held and the lines, in chunk
 * order, have the summary's count and digest. Any arrival order gives the same answer.
 */
export function assembleSend(pieces: SendPieces): SendAssembly {
  const { summary, chunks } = pieces;
  if (!summary) return { complete: false, reason: 'summary_missing', missingChunks: [] };
  const missingChunks: number[] = [];
  for (let chunk = 0; chunk < summary.chunkCount; chunk += 1) if (!chunks.has(chunk)) missingChunks.push(chunk);
  if (missingChunks.length > 0) return { complete: false, reason: 'chunks_missing', missingChunks };
  const lines: SnapshotLine[] = [];
  const digest = new LinesDigest();
  for (let chunk = 0; chunk < summary.chunkCount; chunk += 1) {
    const chunkLines = chunks.get(chunk)!;
    digest.update(chunkLines);
    for (const line of chunkLines) lines.push(line);
  }
  if (lines.length !== summary.lineCount) return { complete: false, reason: 'line_count_mismatch', missingChunks: [] };
  if (digest.digest() !== summary.linesDigest) return { complete: false, reason: 'digest_mismatch', missingChunks: [] };
  return { complete: true, lines };
}
