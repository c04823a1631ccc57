/**
 * The assembler's limits on hostile or mistaken source: how much source, how
 * long a line, how deep an expression, how wide a value, how large a section and
 * how coarse an alignment. Each refusal is a `FILE:LINE: message` naming the
 * limit; README "## Limits" lists them.
 */

/** Largest source accepted, in characters (UTF-16 code units). */
export const MAX_SOURCE_CHARS = 1024 * 1024;
/** Longest source line, in characters. */
export const MAX_LINE_CHARS = 64 * 1024;
/** Deepest nesting of parentheses and unary operators in one expression. */
export const MAX_EXPR_DEPTH = 256;
/** Widest integer literal, in bits (literals are unsigned). */
export const MAX_LITERAL_BITS = 64;
/** Widest value an expression may reach on its way, in bits (plus sign). */
export const MAX_VALUE_BITS = 128;
/** Largest shift amount of `<<` and `>>`. */
export const MAX_SHIFT = MAX_VALUE_BITS - 1;
/** Largest section (`.text` or `.data`) when no partition region bounds it, in bytes. */
export const MAX_SECTION_BYTES = 64 * 1024 * 1024;
/** Coarsest `.align`, in bytes. */
export const MAX_ALIGN = 1024 * 1024;
/** Most problems one run reports (the rest are counted in the last line). */
export const MAX_PROBLEMS = 100;
