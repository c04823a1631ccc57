/**
 * Text from a file or a peer, made safe to print on a terminal: control
 * characters (C0 but the tab, DEL, C1) are shown as escapes, so a hostile file
 * or message cannot move the cursor, recolour the terminal or split one problem
 * line into several.
 */

/** Control characters a terminal acts on: C0 except tab, DEL, C1. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

/** `text` with every control character shown as `\xNN`. */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `text` in double quotes for a message: escaped as JSON does, and cut after `max` characters (with `…`). */
export function quoted(text: string, max = 60): string {
  const chars = [...text];
  return chars.length <= max ? JSON.stringify(text) : `${JSON.stringify(chars.slice(0, max).join(''))}…`;
}
