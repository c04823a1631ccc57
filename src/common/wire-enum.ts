/**
 * The one rule that maps a closed set of domain values to a protobuf enum: the
 * wire name is the enum's prefix and the value in UPPER_SNAKE_CASE
 * (`MigSink` → `MIG_STATE_MIG_SINK`, `bad-opcode` → `FAULT_KIND_BAD_OPCODE`,
 * `gate_recv` → `WAIT_KIND_GATE_RECV`), and back. Each closed set declares its
 * mapping once, beside its values, with {@link wireEnum}.
 */

/** `MigSink` → `MIG_SINK`, `in-doubt` → `IN_DOUBT`. */
export function upperSnake(value: string): string {
  return value
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s]+/g, '_')
    .toUpperCase();
}

/** A closed set's mapping to and from the wire names `W` of its enum. */
export interface WireEnum<T extends string, W extends string = string> {
  /** The domain values, in order. */
  readonly values: readonly T[];
  /** The enum's value prefix, e.g. `MIG_STATE_`. */
  readonly prefix: string;
  /** The wire name of a domain value. */
  toWire(value: T): W;
  /** The domain value of a wire name; undefined for UNSPECIFIED, an unknown name or a number. */
  fromWire(name: unknown): T | undefined;
}

/** The mapping of `values` to the enum whose names start with `prefix` (`W`: the generated type of its names). */
export function wireEnum<T extends string, W extends string = string>(prefix: string, values: readonly T[]): WireEnum<T, W> {
  const toWire = new Map<T, W>(values.map((v) => [v, `${prefix}${upperSnake(v)}` as W]));
  const fromWire = new Map<string, T>([...toWire].map(([d, w]) => [w, d]));
  return {
    values,
    prefix,
    toWire: (v) => toWire.get(v) ?? (`${prefix}UNSPECIFIED` as W),
    fromWire: (name) => (typeof name === 'string' ? fromWire.get(name) : undefined),
  };
}
