declare module 'lz4js' {
  /** Decompresses an LZ4 frame. */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
}

declare module 'snappyjs' {
  export function uncompress(src: Uint8Array, maxLength?: number): Uint8Array;
}
