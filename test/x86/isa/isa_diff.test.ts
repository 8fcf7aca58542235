// Differential test of the integer ISA against the host CPU (DESIGN.md §4): every testable
// table row × mode × operand size × reg/mem form, seeded cases, compared register by register,
// flags masked only where the SDM leaves them undefined. Fast slice in `npm test`;
// XENTAB_ISA_DEEP=1 runs many more cases per variant.

import { describe, it, expect } from 'vitest';
import { hostOracleAvailable, hostOracleUnavailableReason, runOnHost } from '../host_oracle/host_oracle.ts';
import { OPCODES } from '../../../src/x86/opcodes/table.ts';
import { EXCLUDED_ROWS, genCases, testableEntries } from './gen_cases.ts';
import type { GenCase } from './gen_cases.ts';
import { runInEmulator } from './emulate.ts';
import { compareResults, describeCase } from './compare.ts';

const DEEP = process.env['XENTAB_ISA_DEEP'] === '1';
const PER_VARIANT = DEEP ? Number(process.env['XENTAB_ISA_PER_VARIANT'] ?? 300) : 4;
const SEED = Number(process.env['XENTAB_ISA_SEED'] ?? 20261125);

const available64 = hostOracleAvailable(64);
const available32 = hostOracleAvailable(32);

describe('integer ISA vs host CPU', () => {
  const entries = testableEntries();
  const families = new Map<string, number[]>();
  for (const i of entries) {
    const f = OPCODES[i]!.family;
    if (!families.has(f)) families.set(f, []);
    families.get(f)!.push(i);
  }
  for (const [family, list] of families) {
    it.skipIf(!available64)(`${family}: every row matches the host (${list.length} rows)`, { timeout: DEEP ? 600_000 : 60_000 }, () => {
      const cases: GenCase[] = [];
      for (const i of list) cases.push(...genCases(i, PER_VARIANT, SEED));
      const runnable = cases.filter((c) => c.host.mode === 64 || available32);
      const host = runOnHost(runnable.map((c) => c.host));
      const failures: string[] = [];
      const perEntryFail = new Map<number, number>();
      runnable.forEach((g, k) => {
        const emu = runInEmulator(g.host);
        const d = compareResults(g, host[k]!, emu);
        if (d) {
          perEntryFail.set(g.entry, (perEntryFail.get(g.entry) ?? 0) + 1);
          if (failures.length < 25) failures.push(`${describeCase(g)}\n    ${d}`);
        }
      });
      if (DEEP) console.log(`isa ${family}: ${runnable.length} cases, ${failures.length ? [...perEntryFail.values()].reduce((a, b) => a + b, 0) : 0} mismatches`);
      expect(failures, failures.join('\n')).toEqual([]);
    });
  }
  it('names every row it leaves out', () => {
    for (const [mn, why] of Object.entries(EXCLUDED_ROWS)) console.log(`isa diff excludes ${mn}: ${why}`);
    expect(Object.values(EXCLUDED_ROWS).every((why) => why.length > 0)).toBe(true);
  });
  it.runIf(!available64)('host oracle unavailable', () => {
    console.log(`skipped: ${hostOracleUnavailableReason(64)}`);
  });
});
