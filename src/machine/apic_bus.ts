// The APIC "bus": routes interrupt messages between local APICs (IPIs) and from I/O APICs,
// with the destination addressing of SDM Vol. 3A §11.6.2 (physical, logical flat and cluster,
// x2APIC cluster) and lowest-priority arbitration, and carries EOI broadcasts back to the I/O
// APICs for level-triggered interrupts.
import { DM_FIXED, DM_INIT, DM_LOWEST, type LocalApic } from './lapic.ts';

export class ApicBus {
  readonly apics: LocalApic[] = [];
  private readonly eoiListeners: ((vector: number) => void)[] = [];

  add(apic: LocalApic): void {
    this.apics.push(apic);
  }

  onEoi(listener: (vector: number) => void): void {
    this.eoiListeners.push(listener);
  }

  eoiBroadcast(vector: number): void {
    for (const l of this.eoiListeners) l(vector);
  }

  /** Does `a` accept a message for `dest` in the given destination mode? */
  private matches(a: LocalApic, dest: number, logical: boolean, x2: boolean): boolean {
    if (!a.hwEnabled) return false;
    if (x2 || a.x2apic) {
      // An xAPIC-format message (I/O APIC, MSI) reaching an x2APIC-mode LAPIC: its 8-bit
      // destination is matched as an x2APIC one, 0xFF meaning broadcast (KVM's kvm_apic_mda and
      // logical match; the SDM leaves this to interrupt remapping).
      if (!x2 && (dest & 0xff) === 0xff) return true;
      if (dest === 0xffffffff) return true;
      if (!logical) return a.id === dest;
      // x2APIC logical: cluster in bits 31:16, member bitmap in bits 15:0.
      return a.ldr >>> 16 === dest >>> 16 && (a.ldr & dest & 0xffff) !== 0;
    }
    dest &= 0xff;
    if (dest === 0xff) return true;
    if (!logical) return (a.id & 0xff) === dest;
    const ldr = a.ldr >>> 24;
    if ((a.dfr >>> 28) === 0xf) return (ldr & dest) !== 0; // flat model
    return ldr >>> 4 === dest >>> 4 && (ldr & dest & 0xf) !== 0; // cluster model
  }

  /** Deliver a message addressed with (dest, logical) to every matching local APIC. */
  deliver(dest: number, logical: boolean, mode: number, vector: number, level: boolean, x2 = false): void {
    if (mode === DM_LOWEST) {
      // Lowest priority: the matching APIC with the lowest TPR; ties go to the lowest index.
      let best: LocalApic | undefined;
      for (const a of this.apics) {
        if (this.matches(a, dest, logical, x2) && (!best || (a.tpr & 0xf0) < (best.tpr & 0xf0))) best = a;
      }
      best?.deliver(DM_FIXED, vector, level);
      return;
    }
    for (const a of this.apics) if (this.matches(a, dest, logical, x2)) a.deliver(mode, vector, level);
  }

  /** An ICR write on `src` (SDM §11.6.1): `icrLo` fields, `dest` already extracted for the mode. */
  sendIpi(src: LocalApic, icrLo: number, dest: number): void {
    const vector = icrLo & 0xff;
    const mode = (icrLo >>> 8) & 7;
    const logical = (icrLo & 0x800) !== 0;
    const assert = (icrLo & 0x4000) !== 0;
    const levelTrig = (icrLo & 0x8000) !== 0;
    const shorthand = (icrLo >>> 18) & 3;
    // INIT level de-assert only synchronises arbitration IDs: no effect here.
    if (mode === DM_INIT && levelTrig && !assert) return;
    if ((mode === DM_FIXED || mode === DM_LOWEST) && vector < 16) {
      src.sendError();
      return;
    }
    switch (shorthand) {
      case 1: // self
        src.deliver(mode, vector, levelTrig);
        return;
      case 2: // all including self
      case 3: // all excluding self
        for (const a of this.apics) {
          if (shorthand === 3 && a === src) continue;
          a.deliver(mode === DM_LOWEST ? DM_FIXED : mode, vector, levelTrig);
        }
        return;
      default:
        this.deliver(dest, logical, mode, vector, levelTrig, src.x2apic);
    }
  }
}
