import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { locateImages } from '../../../tools/images/locate.ts';
import { formatManifest, MANIFEST_FORMAT } from '../../../tools/images/manifest.ts';

const dir = mkdtempSync(join(tmpdir(), 'xentab-locate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hex = (b: string) => createHash('sha256').update(b).digest('hex');

describe('locateImages', () => {
  it('is undefined without a manifest', () => {
    expect(locateImages(join(dir, 'nothing'))).toBeUndefined();
  });

  it('maps manifest names to absolute paths, and with verify drops files whose sha256 differs', () => {
    writeFileSync(join(dir, 'xen-shim'), 'shim');
    writeFileSync(join(dir, 'vmlinuz'), 'tampered');
    const deb = hex('deb');
    const art = (name: string, content: string) => ({
      name, package: 'pkg', version: '1', debSha256: deb, source: `x/${name}`, path: name, sha256: hex(content), size: content.length,
    });
    writeFileSync(
      join(dir, 'manifest.json'),
      formatManifest({
        format: MANIFEST_FORMAT,
        packages: [{ name: 'pkg', version: '1', architecture: 'amd64', deb: 'debs/pkg.deb', sha256: deb, size: 3 }],
        artifacts: [art('xen-shim', 'shim'), art('vmlinuz', 'kernel')],
        images: [],
      }),
    );
    const all = locateImages(dir)!;
    expect(all.get('xen-shim')).toEqual({ name: 'xen-shim', path: join(dir, 'xen-shim'), sha256: hex('shim'), size: 4 });
    expect(all.has('vmlinuz')).toBe(true);
    const verified = locateImages(dir, true)!;
    expect([...verified.keys()]).toEqual(['xen-shim']);
  });
});
