import { gunzipSync } from 'node:zlib';

// Hand-written rather than a tar library: charts are small, read once, in memory, and only
// ustar headers (with PAX and GNU long names) and file bodies are needed.

/** Regular files of an uncompressed tar (ustar, PAX and GNU long names), in archive order. */
export function tarEntries(tar: Buffer): { name: string; data: Buffer }[] {
  const entries: { name: string; data: Buffer }[] = [];
  let longName: string | undefined;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const data = tar.subarray(offset + 512, offset + 512 + size);
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    if (type === 'x') {
      // PAX extended header: "<length> path=<name>\n" records for the next entry.
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))?.[1];
    } else if (type === 'L') longName = data.toString('utf8').replace(/\0.*$/s, '');
    else if (type === '0' || type === '\0') entries.push({ name, data });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** Regular files of a packaged chart (`.tgz`); throws when it is not gzip. */
export function chartArchiveEntries(gzipped: Buffer): { name: string; data: Buffer }[] {
  return tarEntries(gunzipSync(gzipped));
}
