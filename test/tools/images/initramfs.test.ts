import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DEFAULT_CACHE_DIR } from '../../../tools/images/cache_layout.ts';
import { buildInitramfsCpio, compressInitramfs, initramfsEntries } from '../../../tools/images/initramfs.ts';
import { initScript } from '../../../tools/images/init_script.ts';
import { readNewc } from './newc_reader.ts';

const inputs = {
  busybox: new TextEncoder().encode('\x7fELF pretend busybox'),
  applets: ['bin/sh', 'usr/bin/[', 'sbin/insmod', 'usr/sbin/chroot', 'linuxrc', 'bin/busybox'],
  modules: [
    { file: 'xen-blkfront.ko', elf: new Uint8Array([1, 2, 3]) },
    { file: 'xen-netfront.ko', elf: new Uint8Array([4, 5]) },
  ],
};

describe('demo initramfs', () => {
  it('has busybox, /init, applet links, modules and the early device nodes, parents first', () => {
    const members = readNewc(buildInitramfsCpio(inputs));
    const names = members.map((m) => m.name);
    for (const [i, n] of names.entries()) {
      const parent = n.slice(0, n.lastIndexOf('/'));
      if (parent) expect(names.indexOf(parent), `${n} after ${parent}`).toBeLessThan(i);
    }
    const get = (n: string) => members.find((m) => m.name === n)!;
    expect(get('bin/busybox').mode).toBe(0o100755);
    expect(get('bin/busybox').data).toEqual(inputs.busybox);
    expect(get('init').mode).toBe(0o100755);
    expect(new TextDecoder().decode(get('init').data).startsWith('#!/bin/busybox sh\n')).toBe(true);
    expect(get('dev/hvc0')).toMatchObject({ mode: 0o020600, rdevMajor: 229, rdevMinor: 0 });
    expect(get('dev/console')).toMatchObject({ mode: 0o020600, rdevMajor: 5, rdevMinor: 1 });
    expect(get('dev/null')).toMatchObject({ mode: 0o020666, rdevMajor: 1, rdevMinor: 3 });
    for (const link of ['bin/sh', 'usr/bin/[', 'sbin/insmod', 'usr/sbin/chroot']) {
      expect(get(link).mode).toBe(0o120777);
      expect(new TextDecoder().decode(get(link).data)).toBe('/bin/busybox');
    }
    expect(names).not.toContain('linuxrc');
    expect(get('lib/modules/xen-blkfront.ko').data).toEqual(new Uint8Array([1, 2, 3]));
    expect(get('tmp').mode).toBe(0o041777);
  });

  it('loads the modules in the order given', () => {
    const init = initScript(['xen-blkfront', 'xen-netfront']);
    expect(init).toContain('for m in xen-blkfront xen-netfront; do');
    const entries = initramfsEntries(inputs);
    const initEntry = entries.find((e) => e.name === 'init');
    expect(initEntry?.kind === 'file' && new TextDecoder().decode(initEntry.data)).toContain('for m in xen-blkfront xen-netfront; do');
  });

  it('is deterministic, before and after gzip', () => {
    const a = buildInitramfsCpio(inputs);
    expect(buildInitramfsCpio(inputs)).toEqual(a);
    const gz = compressInitramfs(a);
    expect(compressInitramfs(a)).toEqual(gz);
    expect(new Uint8Array(gunzipSync(gz))).toEqual(a);
  });

  it('has an /init that the host shell parses (oracle: dash -n)', () => {
    const r = spawnSync('sh', ['-n'], { input: initScript(['xen-blkfront']), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  const busybox = join(DEFAULT_CACHE_DIR, 'busybox');
  it.skipIf(!existsSync(busybox))('has an /init that Debian busybox sh parses (oracle: the cached busybox-static)', () => {
    const r = spawnSync(busybox, ['sh', '-n'], { input: initScript(['xen-blkfront']), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });
});
