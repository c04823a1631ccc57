/**
 * The closed sets of values that cross layers and the wire, each defined once:
 * word sizes, byte orders, compressions and migration modes, with the one mapping
 * between each domain value and its protobuf enum name.
 */

/** A node's word size in bits. */
export const WORD_SIZES = [32, 64] as const;
/** 32 or 64. */
export type WordSize = (typeof WORD_SIZES)[number];

/** A node's byte order. */
export const ENDIANS = ['little', 'big'] as const;
/** `little` or `big`. */
export type Endian = (typeof ENDIANS)[number];

/** Page compression of a container, as a node supports it and a migration uses it. */
export const COMPRESSIONS = ['none', 'deflate', 'brotli'] as const;
/** `none`, `deflate` or `brotli`. */
export type Compression = (typeof COMPRESSIONS)[number];
/** What a client may ask for: a compression, or `auto` (deflate when both ends have it, else none). */
export const COMPRESSION_CHOICES = ['auto', ...COMPRESSIONS] as const;
/** A compression, or `auto`. */
export type CompressionChoice = (typeof COMPRESSION_CHOICES)[number];

/**
 * How a migration moves a task: stop-and-copy, pre-copy, post-copy. In this
 * order, from the longest stop to the shortest: the order the CLI lists them in
 * (`--mode must be full, precopy or lazy`).
 */
export const MIGRATION_MODES = ['full', 'precopy', 'lazy'] as const;
/** `full`, `precopy` or `lazy`. */
export type MigrationMode = (typeof MIGRATION_MODES)[number];

/** Whether `value` is one of `set` (narrowing it). */
export function isOneOf<T extends string | number>(set: readonly T[], value: unknown): value is T {
  return (set as readonly unknown[]).includes(value);
}

// --- wire names ----------------------------------------------------------------

/** The protobuf names of Endian and Encoding (proto/migvisor/v1/types.proto). */
export type WireEndian = 'ENDIAN_UNSPECIFIED' | 'ENDIAN_LITTLE' | 'ENDIAN_BIG';
/** The protobuf name of a compression (Encoding in types.proto). */
export type WireEncoding = 'ENCODING_NONE' | 'ENCODING_DEFLATE' | 'ENCODING_BROTLI';

/** The protobuf name of a byte order. */
export function endianToWire(e: Endian): WireEndian {
  return e === 'big' ? 'ENDIAN_BIG' : 'ENDIAN_LITTLE';
}

/** The byte order a wire value names; anything but ENDIAN_BIG reads as little (the proto default). */
export function endianFromWire(e: string | number | null | undefined): Endian {
  return e === 'ENDIAN_BIG' ? 'big' : 'little';
}

const ENCODINGS: Readonly<Record<Compression, WireEncoding>> = {
  none: 'ENCODING_NONE',
  deflate: 'ENCODING_DEFLATE',
  brotli: 'ENCODING_BROTLI',
};

/** The protobuf name of a compression. */
export function compressionToWire(c: Compression): WireEncoding {
  return ENCODINGS[c];
}

/** The compression a wire encoding names, or undefined for a value this build does not know. */
export function compressionFromWire(e: string | number | null | undefined): Compression | undefined {
  return COMPRESSIONS.find((c) => ENCODINGS[c] === e);
}
