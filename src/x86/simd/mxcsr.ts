// MXCSR layout (SDM Vol. 1 §10.2.3, Figure 10-3).

/** Exception flags, bits 0..5 (same order as the x87 status word). */
export const MXCSR_IE = 0x0001; // invalid operation
export const MXCSR_DE = 0x0002; // denormal operand
export const MXCSR_ZE = 0x0004; // divide by zero
export const MXCSR_OE = 0x0008; // overflow
export const MXCSR_UE = 0x0010; // underflow
export const MXCSR_PE = 0x0020; // precision (inexact)
export const MXCSR_FLAGS = 0x003f;
/** Denormals-are-zeros: denormal source operands read as signed zeros, no DE. */
export const MXCSR_DAZ = 0x0040;
/** Exception masks, bits 7..12: mask bit = flag bit << 7. */
export const MXCSR_MASK_SHIFT = 7;
export const MXCSR_IM = 0x0080;
export const MXCSR_DM = 0x0100;
export const MXCSR_ZM = 0x0200;
export const MXCSR_OM = 0x0400;
export const MXCSR_UM = 0x0800;
export const MXCSR_PM = 0x1000;
/** Rounding control, bits 13..14. */
export const MXCSR_RC_SHIFT = 13;
export const MXCSR_RC = 0x6000;
/** Flush-to-zero: tiny results become signed zeros when underflow is masked. */
export const MXCSR_FTZ = 0x8000;
/** Power-on / FNINIT-independent default: all exceptions masked, round to nearest. */
export const MXCSR_DEFAULT = 0x1f80;
/** Bits a write may set (FXSAVE's MXCSR_MASK on DAZ-capable CPUs); others raise #GP on LDMXCSR/FXRSTOR. */
export const MXCSR_WRITABLE = 0xffff;

/** Rounding-control encodings (SDM Vol. 1 Table 4-8). */
export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_ZERO = 3;
