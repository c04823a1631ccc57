/**
 * The closed sets of values that cross layers and the wire, each defined once:
 * word sizes, byte orders, compressions and migration modes, with the one mapping
 * between each domain value and its protobuf enum name.
 */
import { wireEnum } from './wire-enum.ts';

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

/** The kinds of node events (`watch --kind`). */
export const EVENT_KINDS = ['console', 'transition', 'fault', 'exit', 'migration', 'hm', 'partition'] as const;
/** A kind of node event. */
export type EventKind = (typeof EVENT_KINDS)[number];

/** Whether `value` is one of `set` (narrowing it). */
export function isOneOf<T extends string | number>(set: readonly T[], value: unknown): value is T {
  return (set as readonly unknown[]).includes(value);
}

// --- wire names ----------------------------------------------------------------

/** The protobuf names of Endian and Compression (proto/migvisor/v1/types.proto). */
export type WireEndian = 'ENDIAN_UNSPECIFIED' | 'ENDIAN_LITTLE' | 'ENDIAN_BIG';
/** The protobuf name of a compression (COMPRESSION_UNSPECIFIED: auto in a request). */
export type WireCompression = 'COMPRESSION_UNSPECIFIED' | 'COMPRESSION_NONE' | 'COMPRESSION_DEFLATE' | 'COMPRESSION_BROTLI';

/** Byte orders and their wire names. */
export const ENDIAN_WIRE = wireEnum<Endian, WireEndian>('ENDIAN_', ENDIANS);
/** Compressions and their wire names. */
export const COMPRESSION_WIRE = wireEnum<Compression, WireCompression>('COMPRESSION_', COMPRESSIONS);
/** Event kinds and their wire names (GAP exists only on the wire: a resuming watcher's lost events). */
export const EVENT_KIND_WIRE = wireEnum<EventKind, `EVENT_KIND_${Uppercase<EventKind>}`>('EVENT_KIND_', EVENT_KINDS);
/** Migration modes and their wire names. */
export const MIGRATION_MODE_WIRE = wireEnum<MigrationMode, 'MIGRATION_MODE_UNSPECIFIED' | 'MIGRATION_MODE_FULL' | 'MIGRATION_MODE_LAZY' | 'MIGRATION_MODE_PRECOPY'>('MIGRATION_MODE_', MIGRATION_MODES);

/** The protobuf name of a byte order. */
export function endianToWire(e: Endian): WireEndian {
  return ENDIAN_WIRE.toWire(e);
}

/** The byte order a wire value names; anything but ENDIAN_BIG reads as little (the proto default). */
export function endianFromWire(e: string | number | null | undefined): Endian {
  return ENDIAN_WIRE.fromWire(e) ?? 'little';
}

/** The protobuf name of a compression. */
export function compressionToWire(c: Compression): WireCompression {
  return COMPRESSION_WIRE.toWire(c);
}

/** The compression a wire name names, or undefined (UNSPECIFIED, or a value this build does not know). */
export function compressionFromWire(e: string | number | null | undefined): Compression | undefined {
  return COMPRESSION_WIRE.fromWire(e);
}
