/**
 * Whether a file read as text is text at all: source files (assembly, YAML)
 * never hold a NUL byte, while binary files and UTF-16 text hold many. A file
 * that does is refused in one problem at the line of its first NUL, not with a
 * problem for every "line" of bytes.
 */

/** The line (from 1) of the first NUL character of `text`, or undefined when there is none. */
export function firstNulLine(text: string): number | undefined {
  const at = text.indexOf('\0');
  if (at < 0) return undefined;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
