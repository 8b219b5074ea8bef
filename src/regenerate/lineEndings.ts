/**
 * How a file on disk ends its lines. The generator writes LF; a file the user's editor or git
 * (core.autocrlf) turned into CRLF is merged as LF and written back as CRLF, so regenerating
 * neither rewrites every line of it nor mixes the two.
 */
export interface LineStyle {
  crlf: boolean;
  /** A UTF-8 byte order mark at the start. */
  bom: boolean;
}

const BOM = '\uFEFF';

export function lineStyleOf(text: string): LineStyle {
  const lines = text.split('\n').length - 1;
  const crlf = (text.match(/\r\n/g) ?? []).length;
  return { crlf: lines > 0 && crlf * 2 > lines, bom: text.startsWith(BOM) };
}

/** The text with LF line ends and no byte order mark, as the generator writes. */
export function normalised(text: string): string {
  return (text.startsWith(BOM) ? text.slice(1) : text).replace(/\r\n/g, '\n');
}

/** LF text back in the file's own style. */
export function inStyle(text: string, style: LineStyle): string {
  const ends = style.crlf ? text.replace(/\r?\n/g, '\r\n') : text;
  return style.bom ? `${BOM}${ends}` : ends;
}
