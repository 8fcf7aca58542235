// PAE PDPTE registers (test/guests/system/pae_pdpte.c) under xentab and under QEMU TCG. QEMU TCG
// neither caches the PDPTEs nor checks them at load; the lines where that shows are replaced by
// the SDM's answer (Vol 3 §4.4.1: loaded by MOV CR3/CR0/CR4, used until the next load, #GP(0)
// for a present PDPTE with a reserved bit).
import { describe, it, expect } from 'vitest';
import { buildGuest, haveGcc32, type GuestSpec } from '../../guests/build_guest.ts';
import { haveQemu } from '../../machine/loader/qemu_run.ts';
import { bootXentab, qemuLines } from './kernel_runner.ts';

export const PAE_PDPTE: GuestSpec = { name: 'pae_pdpte', sources: ['start32.S', 'exc32.S', 'system/pae_pdpte.c'], defines: ['MULTIBOOT'] };

describe.skipIf(!haveGcc32() || !haveQemu())('PAE PDPTE test kernel: xentab vs QEMU TCG', () => {
  it('PDPTEs load on MOV CR3/CR4/CR0, survive PDPT writes and INVLPG, and #GP on reserved bits', () => {
    const path = buildGuest(PAE_PDPTE);
    const r = bootXentab(path);
    const sdm: Record<string, string> = {
      probe_after_pdpt_write: 'probe_after_pdpt_write=aaaa0001',
      mov_cr3_rsvd_bit1_vector: 'mov_cr3_rsvd_bit1_vector=0d',
      probe_after_failed_load: 'probe_after_failed_load=aaaa0001',
      mov_cr3_rsvd_bit63_vector: 'mov_cr3_rsvd_bit63_vector=0d',
    };
    const q = qemuLines(path, sdm);
    expect(q.status).toBe(1);
    expect(r.lines).toEqual(q.lines);
    expect(r.reason).toBe('exit');
    expect(q.lines.at(-1)).toBe('done');
  });
});
