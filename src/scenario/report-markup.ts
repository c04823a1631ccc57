/**
 * Building HTML and inline SVG so that no text can turn into markup: an element
 * is made by {@link h} from a tag and attribute names the code writes (checked
 * against a strict pattern) and from values and children that are escaped
 * (strings) or were themselves built here ({@link Markup}). The only way to
 * pass text through unescaped is {@link trusted}, for the page's own constant
 * CSS and script.
 */
import { escapeMarkup } from './report-text.ts';

/** A piece of markup built by this module: safe to put into a page as it is. Only {@link h}, {@link fragment} and {@link trusted} make one. */
class Markup {
  readonly #brand = true;
  constructor(readonly html: string) {}

  /** Whether `value` was built here (the private field makes the type nominal). */
  static is(value: unknown): value is Markup {
    return typeof value === 'object' && value !== null && #brand in value;
  }

  /** The markup text. */
  toString(): string {
    return this.html;
  }
}
export type { Markup };

/** What an element may hold: markup, text (escaped), or nothing (`undefined`, `false`, `null`, skipped); nested lists are flattened. */
export type Child = Markup | string | number | undefined | null | false | readonly Child[];

/** Attribute values: a string or number (escaped), `true` for a bare attribute, or `undefined`/`false` to leave it out. */
export type Attrs = Readonly<Record<string, string | number | boolean | undefined>>;

const NAME = /^[a-zA-Z][a-zA-Z0-9:-]*$/;
const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link', 'col']);

/** A coordinate or length for an attribute: at most one decimal, no `-0`. */
export function num(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

function childText(child: Child): string {
  if (child === undefined || child === null || child === false) return '';
  if (Markup.is(child)) return child.html;
  if (typeof child === 'number') return num(child);
  if (typeof child === 'string') return escapeMarkup(child);
  if (Array.isArray(child)) return child.map(childText).join('');
  throw new Error('not markup: build elements with h()');
}

function attrText(attrs: Attrs): string {
  let out = '';
  for (const [name, value] of Object.entries(attrs)) {
    if (!NAME.test(name)) throw new Error(`bad attribute name ${JSON.stringify(name)}`);
    if (value === undefined || value === false) continue;
    if (value === true) out += ` ${name}`;
    else out += ` ${name}="${escapeMarkup(typeof value === 'number' ? num(value) : value, true)}"`;
  }
  return out;
}

/**
 * The element `<tag attrs>children</tag>`. Strings among the children and every
 * attribute value are escaped; `tag` and attribute names must be plain names
 * (letters, digits, `-`, `:`), else this throws. A void HTML element
 * (`meta`, `br`, ...) gets no end tag; an SVG element without children is
 * self-closed.
 */
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): Markup {
  if (!NAME.test(tag)) throw new Error(`bad tag name ${JSON.stringify(tag)}`);
  const open = `<${tag}${attrText(attrs)}`;
  if (VOID.has(tag)) return new Markup(`${open}>`);
  const inner = childText(children);
  return new Markup(inner === '' && !HTML_CONTAINERS.has(tag) ? `${open}/>` : `${open}>${inner}</${tag}>`);
}

// HTML elements that must not be self-closed even when empty (the HTML parser ignores `/>` on them).
const HTML_CONTAINERS = new Set([
  'html', 'head', 'body', 'title', 'style', 'script', 'div', 'span', 'section', 'header', 'main', 'footer', 'nav', 'p',
  'table', 'thead', 'tbody', 'tr', 'td', 'th', 'a', 'h1', 'h2', 'h3', 'ul', 'ol', 'li', 'code', 'strong', 'em', 'small', 'dl', 'dt', 'dd', 'figure', 'figcaption', 'details', 'summary',
]);

/** Several children as one piece of markup. */
export function fragment(...children: Child[]): Markup {
  return new Markup(childText(children));
}

/**
 * `text` as markup without escaping: only for constants of the page itself (its
 * style sheet and script), never for anything from a report.
 */
export function trusted(text: string): Markup {
  return new Markup(text);
}
