// Machine assembly from the CLI's golden configs (test/cli/fixtures: QEMU command lines and the
// configs they print): which consoles the page shows, and which configs this build refuses.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineConfig } from '../../src/machine/config.ts';
import { consoleRoutes, platformSpec, rtcEpochSeconds, unsupportedReason } from '../../src/worker/assemble.ts';

const DIR = join(import.meta.dirname, '../cli/fixtures');
const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f, ...(JSON.parse(readFileSync(join(DIR, f), 'utf8')) as { argv: string[]; config: MachineConfig }) }));

describe('assemble: consoles and support from MachineConfig', () => {
  it('every console tab is a chardev of the config, once, and Xen guests get the console_io log', () => {
    expect(fixtures.length).toBeGreaterThan(5);
    for (const f of fixtures) {
      const routes = consoleRoutes(f.config);
      const chardevs = new Set(f.config.chardevs.map((c) => c.id));
      for (const r of routes) if (r.kind !== 'xen-log') expect(chardevs.has(r.id), `${f.name}: ${r.id}`).toBe(true);
      expect(new Set(routes.map((r) => r.id)).size, f.name).toBe(routes.length);
      expect(routes.some((r) => r.kind === 'xen-log'), f.name).toBe(f.config.accel.xenVersion !== null);
    }
  });

  it("the PV shim line gives hvc0 first, then the Xen log, then QEMU's default COM1 on a vc", () => {
    const f = fixtures.find((x) => x.name === 'pv-shim.json')!;
    expect(consoleRoutes(f.config).map((r) => [r.id, r.kind, r.input])).toEqual([
      ['char0', 'xen-console', true],
      ['xen-log', 'xen-log', false],
      ['serial0', 'serial', true],
    ]);
  });

  it('-debugcon stdio is an output-only tab', () => {
    const f = fixtures.find((x) => x.name === 'debugcon.json')!;
    const routes = consoleRoutes(f.config);
    expect(routes.map((r) => [r.kind, r.input])).toEqual([['debugcon', false]]);
    expect(platformSpec(f.config, 0).debugcon).toEqual({ iobase: 0xe9 });
  });

  it('refuses non-PV disks and the PV network (not written yet), with the reason; accepts direct-kernel PCs and Xen guests with PV disks', () => {
    for (const f of fixtures) {
      const why = unsupportedReason(f.config);
      const c = f.config;
      const expected =
        c.boot.kernel === null ||
        c.devices.some((d) => d.driver === 'xen-net-device') ||
        c.drives.some((drive) => !c.devices.some((d) => d.driver === 'xen-disk' && d.drive === drive.id));
      expect(why !== null, `${f.name}: ${why}`).toBe(expected);
    }
  });

  it('the RTC starts at the configured date, or at the host clock for utc', () => {
    expect(rtcEpochSeconds('2026-01-01', 0, 0)).toBe(1_767_225_600);
    expect(rtcEpochSeconds('2026-01-01T00:00:10', 0, 0)).toBe(1_767_225_610);
    expect(rtcEpochSeconds('utc', 1_767_225_600_999, 0)).toBe(1_767_225_600);
    expect(rtcEpochSeconds('localtime', 1_767_225_600_000, -60)).toBe(1_767_229_200);
    expect(() => rtcEpochSeconds('yesterday', 0, 0)).toThrow(/not a date/);
  });
});
