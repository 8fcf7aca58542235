import { describe, it, expect } from 'vitest';
import { OPCODES, PLANS, CANDIDATES } from '../../../src/x86/opcodes/table.ts';
import { Attr, MAP_NAMES, Mod, Mp } from '../../../src/x86/opcodes/table_types.ts';
import { MNEMONIC_EXEC } from '../../../src/x86/exec/exec_ids.ts';
import { execOf } from '../../../src/x86/exec/exec_ids.ts';

const PREFIX_SETS = [Mp.NP, Mp.P66, Mp.PF3, Mp.PF2];

describe('opcode table', () => {
  it('covers every byte of every legacy map with an instruction, a prefix, an escape or an explicit invalid row', () => {
    const missing: string[] = [];
    for (let map = 0; map < 4; map++) {
      for (let op = 0; op < 256; op++) {
        const rows = CANDIDATES[map * 256 + op]!;
        if (rows.length === 0) { missing.push(`${MAP_NAMES[map]} ${op.toString(16)}`); continue; }
        // every mandatory prefix × ModRM.reg × mod must reach some row (in one of the modes)
        for (const mp of PREFIX_SETS) {
          for (let reg = 0; reg < 8; reg++) {
            for (const mod of [Mod.Mem, Mod.Reg]) {
              for (let rm = 0; rm < 8; rm++) {
                const hit = rows.some((i) => {
                  const e = OPCODES[i]!;
                  return (e.prefix === Mp.Any || e.prefix === mp) && (e.reg < 0 || e.reg === reg) &&
                    (e.mod === Mod.Any || e.mod === mod) && (e.rm < 0 || e.rm === rm || mod === Mod.Mem);
                });
                if (!hit) { missing.push(`${MAP_NAMES[map]} ${op.toString(16)} p${mp} /${reg} mod${mod} rm${rm}`); }
              }
            }
          }
        }
      }
    }
    expect(missing.slice(0, 20)).toEqual([]);
  });

  it('has no two rows for the same bytes, prefix, ModRM selection and mode', () => {
    const seen = new Map<string, string>();
    const dups: string[] = [];
    OPCODES.forEach((e) => {
      if (e.pending !== undefined) return; // placeholders may be shadowed by real rows
      const modes = (e.attrs & Attr.I64) ? ['32'] : (e.attrs & Attr.O64) ? ['64'] : ['32', '64'];
      for (const m of modes) {
        const key = `${(e.attrs & Attr.VEX) ? 'vex' : ''} ${e.map} ${e.opcode} ${e.prefix} ${e.reg} ${e.mod} ${e.rm} ${m}`;
        const prev = seen.get(key);
        if (prev !== undefined) dups.push(`${prev} / ${e.mnemonic} (${key})`);
        seen.set(key, e.mnemonic);
      }
    });
    expect(dups).toEqual([]);
  });

  it('gives every non-pending mnemonic an interpreter handler', () => {
    const noHandler = new Set<string>();
    OPCODES.forEach((e, i) => {
      if (e.pending !== undefined || ['invalid', 'prefix', 'escape'].includes(e.family)) return;
      if (MNEMONIC_EXEC[e.mnemonic] === undefined && execOf(i) <= 1) noHandler.add(e.mnemonic);
    });
    expect([...noHandler]).toEqual([]);
  });

  it('lists the rows still pending, by owner (nothing silently missing)', () => {
    const byOwner = new Map<string, Set<string>>();
    for (const e of OPCODES) {
      if (e.pending === undefined) continue;
      if (!byOwner.has(e.pending)) byOwner.set(e.pending, new Set());
      byOwner.get(e.pending)!.add(e.mnemonic.startsWith('(') ? `${MAP_NAMES[e.map]}` : e.mnemonic);
    }
    // Every placeholder names who supplies it; the list is printed so progress is visible.
    const known = ['SIMD helper', 'part 2', 'x87 helper'];
    for (const owner of byOwner.keys()) expect(known.some((k) => owner.startsWith(k)), owner).toBe(true);
    for (const [owner, names] of byOwner) console.log(`pending (${owner}): ${[...names].sort().join(' ')}`);
  });

  it('parses every row\'s operand letters into a decode plan', () => {
    expect(PLANS.length).toBe(OPCODES.length);
    const lea = OPCODES.findIndex((e) => e.mnemonic === 'LEA');
    expect(PLANS[lea]!.hasModrm).toBe(true);
  });
});
