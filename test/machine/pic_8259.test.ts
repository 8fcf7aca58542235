import { describe, it, expect } from 'vitest';
import { Pic8259 } from '../../src/machine/pic_8259.ts';

/** Program both chips the way a PC BIOS does (ICW1-4), vectors 0x08 and 0x70. */
function initPic(pic: Pic8259, masterBase = 0x20, slaveBase = 0x28, icw4 = 0x01): void {
  pic.portOut(0x20, 1, 0x11);
  pic.portOut(0x21, 1, masterBase);
  pic.portOut(0x21, 1, 0x04);
  pic.portOut(0x21, 1, icw4);
  pic.portOut(0xa0, 1, 0x11);
  pic.portOut(0xa1, 1, slaveBase);
  pic.portOut(0xa1, 1, 0x02);
  pic.portOut(0xa1, 1, icw4);
  pic.portOut(0x21, 1, 0);
  pic.portOut(0xa1, 1, 0);
}

describe('8259A pair', () => {
  it('delivers an edge request with the ICW2 base and keeps it in service until EOI', () => {
    const levels: boolean[] = [];
    const pic = new Pic8259((l) => levels.push(l));
    initPic(pic);
    pic.setIrq(3, true);
    expect(pic.interruptPending).toBe(true);
    expect(pic.acknowledge()).toBe(0x23);
    expect(pic.interruptPending).toBe(false);
    pic.portOut(0x20, 1, 0x0b); // OCW3: read ISR
    expect(pic.portIn(0x20)).toBe(0x08);
    // A lower-priority request waits behind the in-service one; a higher one nests.
    pic.setIrq(5, true);
    expect(pic.interruptPending).toBe(false);
    pic.setIrq(1, true);
    expect(pic.acknowledge()).toBe(0x21);
    pic.portOut(0x20, 1, 0x20); // non-specific EOI ends IRQ1
    pic.portOut(0x20, 1, 0x20); // and IRQ3
    expect(pic.acknowledge()).toBe(0x25);
    expect(levels[0]).toBe(true);
  });

  it('needs a new rising edge for an edge-triggered line to request again', () => {
    const pic = new Pic8259();
    initPic(pic);
    pic.setIrq(4, true);
    pic.acknowledge();
    pic.portOut(0x20, 1, 0x20);
    pic.setIrq(4, true);
    expect(pic.interruptPending).toBe(false);
    pic.setIrq(4, false);
    pic.setIrq(4, true);
    expect(pic.interruptPending).toBe(true);
  });

  it('keeps a level-triggered line (ELCR) requesting while asserted', () => {
    const pic = new Pic8259();
    initPic(pic);
    pic.portOut(0x4d1, 1, 0x0c); // IRQ10, IRQ11 level
    expect(pic.portIn(0x4d1)).toBe(0x0c);
    pic.portOut(0x4d0, 1, 0xff); // master mask 0xf8: IRQ0-2 can never be level
    expect(pic.portIn(0x4d0)).toBe(0xf8);
    pic.setIrq(10, true);
    expect(pic.acknowledge()).toBe(0x2a);
    pic.portOut(0xa0, 1, 0x20);
    pic.portOut(0x20, 1, 0x20);
    expect(pic.interruptPending).toBe(true); // still asserted
    // Deasserting after the master latched the cascade edge leaves a spurious slave request (IRQ15).
    pic.setIrq(10, false);
    expect(pic.acknowledge()).toBe(0x2f);
    pic.portOut(0x20, 1, 0x20);
    expect(pic.interruptPending).toBe(false);
  });

  it('masks lines with OCW1 and reads IMR back', () => {
    const pic = new Pic8259();
    initPic(pic);
    pic.portOut(0x21, 1, 0xfe);
    expect(pic.portIn(0x21)).toBe(0xfe);
    pic.setIrq(1, true);
    expect(pic.interruptPending).toBe(false);
    pic.portOut(0x20, 1, 0x0a); // read IRR
    expect(pic.portIn(0x20)).toBe(0x02);
    pic.portOut(0x21, 1, 0x00);
    expect(pic.interruptPending).toBe(true);
  });

  it('returns the spurious vector IRQ7 when the request vanished before INTA', () => {
    const pic = new Pic8259();
    initPic(pic, 0x08);
    expect(pic.acknowledge()).toBe(0x0f);
  });

  it('answers a poll command with 0x80|line and acknowledges it', () => {
    const pic = new Pic8259();
    initPic(pic);
    pic.setIrq(6, true);
    pic.portOut(0x20, 1, 0x0c); // OCW3 poll
    expect(pic.portIn(0x20)).toBe(0x86);
    pic.portOut(0x20, 1, 0x0b);
    expect(pic.portIn(0x20)).toBe(0x40);
  });

  it('in auto-EOI mode leaves nothing in service', () => {
    const pic = new Pic8259();
    initPic(pic, 0x20, 0x28, 0x03);
    pic.setIrq(0, true);
    expect(pic.acknowledge()).toBe(0x20);
    pic.portOut(0x20, 1, 0x0b);
    expect(pic.portIn(0x20)).toBe(0);
  });

  it('rotates priorities with "rotate on non-specific EOI" and "set priority"', () => {
    const pic = new Pic8259();
    initPic(pic);
    pic.portOut(0x20, 1, 0xc4); // set priority: IRQ4 lowest, IRQ5 highest
    pic.setIrq(2, false);
    pic.setIrq(3, true);
    pic.setIrq(6, true);
    expect(pic.acknowledge()).toBe(0x26);
    pic.portOut(0x20, 1, 0xa0); // rotate on non-specific EOI: IRQ6 becomes lowest
    expect(pic.acknowledge()).toBe(0x23);
  });
});
