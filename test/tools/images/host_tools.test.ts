import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { findTool, requireTool, runTool, TOOL_PACKAGES, UserError } from '../../../tools/images/host_tools.ts';
import { parseAptStanzas } from '../../../tools/images/apt.ts';
import { debFileName } from '../../../tools/images/fetch.ts';
import { REPO_ROOT } from '../../../tools/images/cache_layout.ts';

describe('host tools', () => {
  it('names the apt-get install line for a missing tool', () => {
    expect(() => requireTool('xentab-no-such-tool')).toThrow(UserError);
    expect(() => requireTool('xentab-no-such-tool')).toThrow(/apt-get install xentab-no-such-tool/);
  });

  it('names the package that really ships each tool (oracle: dpkg -S)', () => {
    let checked = 0;
    for (const [tool, pkg] of Object.entries(TOOL_PACKAGES)) {
      const path = findTool(tool);
      if (!path) continue;
      const r = spawnSync('dpkg', ['-S', path], { encoding: 'utf8' });
      if (r.status !== 0) continue; // e.g. /bin vs /usr/bin merged-usr aliases
      expect(r.stdout.split(':')[0], tool).toBe(pkg);
      checked++;
    }
    expect(checked).toBeGreaterThan(2);
  });

  it('npm run images exits 1 naming every missing tool and its package', () => {
    const r = spawnSync(process.execPath, ['bin/run-ts.js', 'tools/images/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PATH: '/nonexistent' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/missing dpkg-deb, apt-get, apt-cache: install with `(sudo )?apt-get install dpkg apt`/);
  });

  it('reports a failing tool with its exit status and stderr', () => {
    expect(() => runTool('dpkg-deb', ['--info', '/nonexistent.deb'])).toThrow(/exited with 2/);
  });
});

describe('apt helpers', () => {
  it('parses apt-cache show stanzas, continuation lines included', () => {
    const text = [
      'Package: a',
      'Version: 1:2.0-1',
      'Description: one',
      ' more',
      '',
      'Package: b',
      'SHA256: 00',
      '',
    ].join('\n');
    const s = parseAptStanzas(text);
    expect(s).toHaveLength(2);
    expect(s[0]!.get('Version')).toBe('1:2.0-1');
    expect(s[0]!.get('Description')).toBe('one\nmore');
    expect(s[1]!.get('SHA256')).toBe('00');
  });

  it('names .deb files as apt-get download does (epoch colon as %3a)', () => {
    expect(debFileName('busybox-static', '1:1.35.0-4+deb12u1+b1', 'amd64')).toBe('busybox-static_1%3a1.35.0-4+deb12u1+b1_amd64.deb');
    expect(debFileName('grub-xen-host', '2.06-13+deb12u2', 'amd64')).toBe('grub-xen-host_2.06-13+deb12u2_amd64.deb');
  });
});
