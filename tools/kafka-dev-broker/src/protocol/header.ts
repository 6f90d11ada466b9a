import { Reader } from './reader';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/**
 * Request header v1: key, version, correlation id, client id (a classic nullable string in every
 * version). Header v2, used by flexible versions, then adds tagged fields, read by the router once it
 * knows the version is flexible.
 */
export function decodeRequestHeader(r: Reader): RequestHeader {
  return { apiKey: r.int16(), apiVersion: r.int16(), correlationId: r.int32(), clientId: r.nullableString() };
}
