import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { writeChartAtomically } from '../src/write/atomic.js';
import { readTree, stagingLeftovers, tempDir } from './support/cli.js';

describe('the atomic chart writer', () => {
  it('writes into an existing chart without replacing the directory itself', async () => {
    const root = await tempDir();
    const chart = join(root, 'chart');
    await writeChartAtomically(chart, [{ path: 'Chart.yaml', content: 'one\n' }, { path: 'templates/a.yaml', content: 'a\n' }], { force: false });
    await writeFile(join(chart, 'NOTES.md'), 'mine\n');
    const before = await stat(chart);
    await writeChartAtomically(chart, [{ path: 'Chart.yaml', content: 'two\n' }, { path: 'templates/b.yaml', content: 'b\n' }], {
      force: true,
      remove: ['templates/a.yaml'],
    });
    // Same inode: a shell or editor inside the chart keeps a working directory.
    expect((await stat(chart)).ino).toBe(before.ino);
    const written = new Map([...(await readTree(chart))].map(([path, content]) => [path, content.toString('utf8')]));
    expect(written).toEqual(
      new Map([
        ['Chart.yaml', 'two\n'],
        ['NOTES.md', 'mine\n'],
        ['templates/b.yaml', 'b\n'],
      ]),
    );
    expect(await stagingLeftovers(root)).toEqual([]);
  });

  it('refuses, before moving anything, when a directory stands where a file goes', async () => {
    const root = await tempDir();
    const chart = join(root, 'chart');
    await mkdir(join(chart, 'values.yaml', 'inside'), { recursive: true });
    await writeFile(join(chart, 'Chart.yaml'), 'old\n');
    const before = await readTree(chart);
    const write = writeChartAtomically(chart, [{ path: 'Chart.yaml', content: 'new\n' }, { path: 'values.yaml', content: 'x\n' }], { force: true });
    await expect(write).rejects.toThrow(UsageError);
    await expect(write).rejects.toThrow(/values\.yaml is in the way/);
    expect(await readTree(chart)).toEqual(before);
    expect(await readFile(join(chart, 'Chart.yaml'), 'utf8')).toBe('old\n');
    expect(await stagingLeftovers(root)).toEqual([]);
  });

  it('reports a parent that is a file as a usage error', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'afile'), 'x');
    await expect(writeChartAtomically(join(root, 'afile', 'chart'), [{ path: 'Chart.yaml', content: 'x' }], { force: false })).rejects.toThrow(
      /a parent is not a directory/,
    );
  });
});
