/**
 * XML 1.0's Char production: tab, newline, carriage return and the code points from U+0020 on,
 * without the surrogates and U+FFFE/U+FFFF. A NUL byte, another C0 control, a lone surrogate (what
 * invalid UTF-8 or a bad JSON escape leaves in a string) or a reference to one (`&#0;`) is not
 * text XML can carry: such a reply is a violation, never a compliant message.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** The first character outside the Char production: its offset and code point, or undefined. */
export function firstNonXmlChar(text: string): { index: number; code: number } | undefined {
  const m = NOT_XML_CHAR.exec(text);
  if (!m) return undefined;
  return { index: m.index, code: m[0].codePointAt(0) ?? 0 };
}

export function describeCode(code: number): string {
  const hex = code.toString(16).toUpperCase().padStart(4, "0");
  if (code === 0) return "U+0000 (NUL)";
  if (code < 0x20 || code === 0x7f) return `U+${hex} (a control character)`;
  if (code >= 0xd800 && code <= 0xdfff)
    return `U+${hex} (a lone surrogate: invalid UTF-8 or a broken escape)`;
  return `U+${hex}`;
}
