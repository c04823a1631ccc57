/**
 * Parsers for option values, run by commander while it reads the command line,
 * before any command's implementation is loaded: a bad value fails at once with
 * one line naming the option, what it must be and what it got. They throw
 * commander's InvalidArgumentError; main.ts prints its message as is.
 *
 * Light on purpose (commander only): command registration imports this file.
 */
import { InvalidArgumentError, Option } from 'commander';
import { parseBandwidth, parseDuration, parseFraction, parseSize } from '../config/units.ts';

/** `a`, `a or b`, `a, b or c`. */
export function alternatives(values: readonly (string | number)[]): string {
  const all = values.map(String);
  return all.length <= 1 ? (all[0] ?? '') : `${all.slice(0, -1).join(', ')} or ${all[all.length - 1]}`;
}

/** A parser accepting one of `values` (as written on the command line). */
export function oneOf<T extends string | number>(flag: string, values: readonly T[]): (text: string) => T {
  return (text) => {
    const hit = values.find((v) => String(v) === text);
    if (hit === undefined) throw new InvalidArgumentError(`${flag} must be ${alternatives(values)}, got ${text}`);
    return hit;
  };
}

/**
 * An option whose value is one of a closed set: --help lists the choices, and a
 * value outside them is refused by {@link oneOf} while the line is parsed.
 */
export function choiceOption<T extends string | number>(flags: string, description: string, values: readonly T[]): Option {
  const flag = flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? flags;
  return new Option(flags, description).choices(values.map(String)).argParser(oneOf(flag, values));
}

/** An option taking several values of a closed set (`--kind a b`): each is checked. */
export function choiceListOption<T extends string>(flags: string, description: string, values: readonly T[]): Option {
  const flag = flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? flags;
  const one = oneOf(flag, values);
  return new Option(flags, `${description} (${alternatives(values)})`).argParser((text: string, previous: T[] | undefined) => [...(previous ?? []), one(text)]);
}

/**
 * A parser for a whole number of at least `min` (0: non-negative, 1: positive)
 * and, with `max`, at most that (the range the request field takes: a number the
 * wire would wrap is refused here, under the flag's name).
 */
export function integer(flag: string, min = 0, max?: number): (text: string) => number {
  const what =
    max !== undefined ? `an integer from ${min} to ${max}` : min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer of at least ${min}`;
  return (text) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) throw new InvalidArgumentError(`${flag} must be ${what}, got ${text}`);
    return n;
  };
}

/** A parser for a size in bytes: `4MiB`, `64KiB`, or a plain number of bytes. */
export function size(flag: string): (text: string) => number {
  return (text) => {
    const n = parseSize(text.trim());
    if (n === undefined || !Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a size such as 4MiB or 65536, got ${text}`);
    return n;
  };
}

/** A parser for any whole number, negative ones too. */
export function signedInteger(flag: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${flag} must be an integer, got ${text}`);
    return n;
  };
}

/** A parser for a virtual address: a non-negative integer, decimal or 0x hex. */
export function address(flag: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} must be a non-negative address, got ${text}`);
    return n;
  };
}

/** A label given as KEY=VALUE. */
export interface Label {
  readonly key: string;
  readonly value: string;
}

/** A parser for a repeatable `KEY=VALUE` option: each use adds one label. */
export function label(flag: string): (text: string, previous: Label[]) => Label[] {
  return (text, previous) => {
    const i = text.indexOf('=');
    if (i <= 0) throw new InvalidArgumentError(`${flag} must be KEY=VALUE, got ${JSON.stringify(text)}`);
    return [...previous, { key: text.slice(0, i), value: text.slice(i + 1) }];
  };
}

/** Collects every use of a repeatable option, in order. */
export function collect(text: string, previous: string[]): string[] {
  return [...previous, text];
}

/** A parser for a bandwidth such as `10Mbit` or `2MiB/s` (bytes per second). */
export function bandwidth(flag: string): (text: string) => number {
  return (text) => {
    const b = parseBandwidth(text);
    if (b === undefined) throw new InvalidArgumentError(`${flag} must be a bandwidth such as 64kbit, 10Mbit, 1Gbit or 2MiB/s, got ${text}`);
    return b;
  };
}

/** A parser for a duration such as `5ms`, `1.5s` or a number of milliseconds. */
export function duration(flag: string): (text: string) => number {
  return (text) => {
    const ms = parseDuration(/^[0-9.]+$/.test(text) ? Number(text) : text);
    if (ms === undefined) throw new InvalidArgumentError(`${flag} must be a duration such as 250us, 5ms or 1.5s, got ${text}`);
    return ms;
  };
}

/**
 * A duration in the whole milliseconds a request carries (`for_ms`, `ms`):
 * rounded, but a positive duration never to 0, which would mean "no limit"
 * (`--for 300us` heals after 1 ms, not never).
 */
export function wholeMs(ms: number): number {
  return ms > 0 ? Math.max(1, Math.round(ms)) : 0;
}

/** A parser for a probability such as `0.5%` or `0.005`. */
export function fraction(flag: string): (text: string) => number {
  return (text) => {
    const f = parseFraction(/^[0-9.]+$/.test(text) ? Number(text) : text);
    if (f === undefined) throw new InvalidArgumentError(`${flag} must be a probability such as 0.5% or 0.005, got ${text}`);
    return f;
  };
}
