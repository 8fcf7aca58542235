// An interrupt line as devices see it: they drive a level; the machine routes it to the 8259
// and the I/O APIC (ISA IRQ n reaches I/O APIC pin n, except IRQ0 which reaches pin 2).
export type IrqLine = (level: boolean) => void;

/** A line that goes nowhere, for devices built without an interrupt controller (unit tests). */
export const NO_IRQ: IrqLine = () => {};
