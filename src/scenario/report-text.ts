/**
 * Text from a report made safe for where the renderers put it. Task names,
 * error strings and step texts come from scenario files and from remote nodes,
 * so they are hostile until escaped: {@link printable} writes every character
 * XML 1.0 cannot hold (and every other control character) as a visible `\uXXXX`,
 * {@link escapeMarkup} makes the result inert in XML and HTML text and attribute
 * values, and {@link oneLine} keeps a terminal cell on one line.
 */

// C0 controls but tab, newline and carriage return; DEL and C1 controls; the
// BMP noncharacters U+FFFE and U+FFFF; and UTF-16 surrogates that are not half
// of a pair. None of them is an XML 1.0 Char, or they would steer a terminal.
const UNPRINTABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const hex4 = (c: string): string => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * `text` with every control character but tab, newline and carriage return,
 * every lone surrogate and U+FFFE/U+FFFF written as `\uXXXX`: what is left is
 * valid in XML 1.0 and harmless on a terminal. (A backslash already in the text
 * stays as it is, so the notation is for reading, not for decoding.)
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, hex4);
}

const MARKUP: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/**
 * `text` as XML or HTML character data or a quoted attribute value: printable
 * (see {@link printable}), with `& < > " '` as references, and in an attribute
 * (`attribute` true) tab, newline and carriage return too, so that attribute
 * normalisation keeps them. A carriage return is a reference in text as well (a
 * parser would turn a raw one into a newline). `]]>` cannot survive: its `>` is
 * `&gt;`.
 */
export function escapeMarkup(text: string, attribute = false): string {
  const pattern = attribute ? /[&<>"'\t\n\r]/g : /[&<>"'\r]/g;
  return printable(text).replace(pattern, (c) => MARKUP[c] ?? c);
}

/** `text` printable, on one line (runs of white space as one space), and at most `max` characters long (cut with `…`). */
export function oneLine(text: string, max = Number.POSITIVE_INFINITY): string {
  const flat = printable(text).replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}
