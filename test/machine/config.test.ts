// The machine config as untrusted data (a share link): every config the CLI produces passes
// checkMachineConfig, and broken ones are refused with the path of the bad field.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkMachineConfig, hypervEnabled, xenEnabled } from '../../src/machine/config.ts';
import type { MachineConfig } from '../../src/machine/config.ts';

const FIXTURES = join(import.meta.dirname, '..', 'cli', 'fixtures');
const golden = (name: string): MachineConfig =>
  (JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as { config: MachineConfig }).config;

describe('checkMachineConfig', () => {
  it('accepts every golden config the CLI produced', () => {
    for (const f of readdirSync(FIXTURES).filter((n) => n.endsWith('.json'))) {
      expect([f, checkMachineConfig(golden(f.slice(0, -5)))]).toEqual([f, []]);
    }
  });

  it('refuses other versions, non-objects and broken fields, naming each', () => {
    expect(checkMachineConfig(null)).toContain('config: expected an object');
    const c = structuredClone(golden('pv-shim')) as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    c['configVersion'] = 2;
    c['memory'].bytes = 2 ** 40;
    c['accel'].kernelIrqchip = 'on';
    c['devices'][0].chardev = 'nope';
    c['drives'][0].file = { path: 1 };
    c['run'].script = [{ expect: '' }, { send: 'x', expect: 'y' }];
    expect(checkMachineConfig(c)).toEqual([
      "configVersion: expected 1 (this xentab's config version)",
      "accel.kernelIrqchip: expected 'split' in Xen mode",
      'memory.bytes: expected an integer in 1048576..3758096384',
      'drives[0].file.path: expected a string',
      'drives[0].file.resolved: expected a string',
      'devices[0].chardev: expected the id of a defined one',
      'run.script[0]: expected {expect: TEXT} or {send: TEXT}',
      'run.script[1]: expected {expect: TEXT} or {send: TEXT}',
    ]);
  });
});

describe('config helpers', () => {
  it('xenEnabled follows accel.xenVersion', () => {
    expect(xenEnabled(golden('pv-shim'))).toBe(true);
    expect(xenEnabled(golden('test-runner'))).toBe(false);
  });

  it('hypervEnabled sees hv-* features and properties, not disabled ones', () => {
    expect(hypervEnabled(golden('hyperv-and-limits'))).toBe(true);
    expect(hypervEnabled(golden('xen-vapic'))).toBe(false);
    const c = golden('xen-vapic');
    c.cpu.features['hv-relaxed'] = false;
    expect(hypervEnabled(c)).toBe(false);
    c.cpu.properties['hv-spinlocks'] = '0x1fff';
    expect(hypervEnabled(c)).toBe(true);
  });
});
