import { supportedVersions } from '../api-keys';
import { Writer } from '../writer';

/** v0 layout is also the KIP-511 answer to versions this broker does not know. */
export function encodeApiVersionsResponse(w: Writer, version: number, errorCode: number): void {
  w.int16(errorCode);
  w.array(supportedVersions, (w, v) => w.int16(v.key).int16(v.min).int16(v.max));
  if (version >= 1) w.int32(0);
}
