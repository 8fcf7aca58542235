// Saving and restoring the x87 state in the guest-visible images (SDM Vol. 1 §8.1.10,
// Figures 8-9..8-12; Vol. 2 FSTENV, FLDENV, FSAVE, FRSTOR, FXSAVE Table 3-53):
//   - the 14-byte (16-bit operand size) and 28-byte (32-bit) environments, each in a
//     real-mode layout (linear instruction/data pointers, FOP beside the high pointer bits)
//     and a protected-mode layout (offset + selector, FOP beside FCS in the 32-bit form);
//   - FSAVE/FRSTOR: the environment followed by ST0..ST7 as 8 x 10 bytes;
//   - the x87 part of FXSAVE/FXRSTOR (bytes 0..23 and 32..159) with the abridged tag byte,
//     in the 32-bit (FIP/FCS, FDP/FDS) or 64-bit (REX.W: 64-bit FIP, FDP) form.
// Images are read/written through a DataView at an offset supplied by the caller (who copies
// them to or from guest memory and checks the access first).

import { FSW_ES, FSW_B } from './float80.ts';
import {
  OFF_FCW,
  OFF_FSW,
  OFF_FTW,
  OFF_FOP,
  OFF_FIP,
  OFF_FDP,
  OFF_FCS,
  OFF_FDS,
  OFF_SIG,
  OFF_SE,
  getTop,
  fullTagWord,
  fninit,
} from './fpu_state.ts';

/** Byte size of FSTENV/FLDENV images for 16- and 32-bit operand size. */
export function envSize(op32: boolean): number {
  return op32 ? 28 : 14;
}

/** Byte size of FSAVE/FRSTOR images. */
export function saveSize(op32: boolean): number {
  return envSize(op32) + 80;
}

/**
 * FNSTENV: store the environment; `realMode` selects the real/virtual-8086 layout (linear
 * pointers = selector * 16 + offset). Afterwards all exceptions are masked (SDM Vol. 2 FSTENV).
 */
export function fstenv(dv: DataView, b: number, out: DataView, o: number, op32: boolean, realMode: boolean): void {
  storeEnv(dv, b, out, o, op32, realMode);
  dv.setUint16(b + OFF_FCW, dv.getUint16(b + OFF_FCW, true) | 0x3f, true);
  // With every exception masked nothing is pending any more.
  dv.setUint16(b + OFF_FSW, dv.getUint16(b + OFF_FSW, true) & ~(FSW_ES | FSW_B), true);
}

function storeEnv(dv: DataView, b: number, out: DataView, o: number, op32: boolean, realMode: boolean): void {
  const fcw = dv.getUint16(b + OFF_FCW, true);
  const fsw = dv.getUint16(b + OFF_FSW, true);
  const ftw = fullTagWord(dv, b);
  const fop = dv.getUint16(b + OFF_FOP, true) & 0x7ff;
  const fip = dv.getUint32(b + OFF_FIP, true);
  const fdp = dv.getUint32(b + OFF_FDP, true);
  const fcs = dv.getUint16(b + OFF_FCS, true);
  const fds = dv.getUint16(b + OFF_FDS, true);
  if (op32) {
    // Reserved upper halves read as 1s on the processors we compare with.
    out.setUint32(o, 0xffff0000 | fcw, true);
    out.setUint32(o + 4, 0xffff0000 | fsw, true);
    out.setUint32(o + 8, 0xffff0000 | ftw, true);
    if (realMode) {
      const lip = (fip + (fcs << 4)) >>> 0;
      const ldp = (fdp + (fds << 4)) >>> 0;
      out.setUint32(o + 12, 0xffff0000 | (lip & 0xffff), true);
      out.setUint32(o + 16, ((lip >>> 16) << 12) | fop, true);
      out.setUint32(o + 20, 0xffff0000 | (ldp & 0xffff), true);
      out.setUint32(o + 24, (ldp >>> 16) << 12, true);
    } else {
      out.setUint32(o + 12, fip, true);
      out.setUint32(o + 16, ((fop << 16) | fcs) >>> 0, true);
      out.setUint32(o + 20, fdp, true);
      out.setUint32(o + 24, 0xffff0000 | fds, true);
    }
  } else {
    out.setUint16(o, fcw, true);
    out.setUint16(o + 2, fsw, true);
    out.setUint16(o + 4, ftw, true);
    if (realMode) {
      const lip = (fip + (fcs << 4)) >>> 0;
      const ldp = (fdp + (fds << 4)) >>> 0;
      out.setUint16(o + 6, lip & 0xffff, true);
      out.setUint16(o + 8, (((lip >>> 16) & 0xf) << 12) | fop, true);
      out.setUint16(o + 10, ldp & 0xffff, true);
      out.setUint16(o + 12, ((ldp >>> 16) & 0xf) << 12, true);
    } else {
      out.setUint16(o + 6, fip & 0xffff, true);
      out.setUint16(o + 8, fcs, true);
      out.setUint16(o + 10, fdp & 0xffff, true);
      out.setUint16(o + 12, fds, true);
    }
  }
}

/** FLDENV: load the environment (a tag of 11b marks a register empty; any other value full). */
export function fldenv(dv: DataView, b: number, src: DataView, o: number, op32: boolean, realMode: boolean): void {
  let fcw: number, fsw: number, ftw: number, fip: number, fdp: number, fcs: number, fds: number, fop: number;
  if (op32) {
    fcw = src.getUint16(o, true);
    fsw = src.getUint16(o + 4, true);
    ftw = src.getUint16(o + 8, true);
    if (realMode) {
      fip = (src.getUint16(o + 12, true) | ((src.getUint32(o + 16, true) >>> 12) << 16)) >>> 0;
      fop = src.getUint16(o + 16, true) & 0x7ff;
      fdp = (src.getUint16(o + 20, true) | ((src.getUint32(o + 24, true) >>> 12) << 16)) >>> 0;
      fcs = 0;
      fds = 0;
    } else {
      fip = src.getUint32(o + 12, true);
      fcs = src.getUint16(o + 16, true);
      fop = src.getUint16(o + 18, true) & 0x7ff;
      fdp = src.getUint32(o + 20, true);
      fds = src.getUint16(o + 24, true);
    }
  } else {
    fcw = src.getUint16(o, true);
    fsw = src.getUint16(o + 2, true);
    ftw = src.getUint16(o + 4, true);
    if (realMode) {
      fip = (src.getUint16(o + 6, true) | ((src.getUint16(o + 8, true) >>> 12) << 16)) >>> 0;
      fop = src.getUint16(o + 8, true) & 0x7ff;
      fdp = (src.getUint16(o + 10, true) | ((src.getUint16(o + 12, true) >>> 12) << 16)) >>> 0;
      fcs = 0;
      fds = 0;
    } else {
      fip = src.getUint16(o + 6, true);
      fcs = src.getUint16(o + 8, true);
      fdp = src.getUint16(o + 10, true);
      fds = src.getUint16(o + 12, true);
      fop = 0;
    }
  }
  dv.setUint16(b + OFF_FCW, (fcw & 0x1f7f) | 0x40, true);
  // ES/B are recomputed from the loaded flags and masks.
  const pending = fsw & ~fcw & 0x3f;
  dv.setUint16(b + OFF_FSW, pending ? fsw | FSW_ES | FSW_B : fsw & ~(FSW_ES | FSW_B), true);
  let abridged = 0;
  for (let p = 0; p < 8; p++) if (((ftw >>> (2 * p)) & 3) !== 3) abridged |= 1 << p;
  dv.setUint8(b + OFF_FTW, abridged);
  dv.setUint16(b + OFF_FOP, fop, true);
  dv.setUint32(b + OFF_FIP, fip, true);
  dv.setUint32(b + OFF_FIP + 4, 0, true);
  dv.setUint32(b + OFF_FDP, fdp, true);
  dv.setUint32(b + OFF_FDP + 4, 0, true);
  dv.setUint16(b + OFF_FCS, fcs, true);
  dv.setUint16(b + OFF_FDS, fds, true);
}

/** Copy ST0..ST7 (in stack order) between the state and an image, 10 bytes each at `stride`. */
function storeRegs(dv: DataView, b: number, out: DataView, o: number, stride: number): void {
  const top = getTop(dv, b);
  for (let i = 0; i < 8; i++) {
    const p = (top + i) & 7;
    const r = b + OFF_SIG + 8 * p;
    const d = o + stride * i;
    out.setUint32(d, dv.getUint32(r, true), true);
    out.setUint32(d + 4, dv.getUint32(r + 4, true), true);
    out.setUint16(d + 8, dv.getUint16(b + OFF_SE + 2 * p, true), true);
  }
}

function loadRegs(dv: DataView, b: number, src: DataView, o: number, stride: number): void {
  const top = getTop(dv, b);
  for (let i = 0; i < 8; i++) {
    const p = (top + i) & 7;
    const r = b + OFF_SIG + 8 * p;
    const d = o + stride * i;
    dv.setUint32(r, src.getUint32(d, true), true);
    dv.setUint32(r + 4, src.getUint32(d + 4, true), true);
    dv.setUint16(b + OFF_SE + 2 * p, src.getUint16(d + 8, true), true);
  }
}

/** FNSAVE: environment + registers, then FNINIT. */
export function fsave(dv: DataView, b: number, out: DataView, o: number, op32: boolean, realMode: boolean): void {
  storeEnv(dv, b, out, o, op32, realMode);
  storeRegs(dv, b, out, o + envSize(op32), 10);
  fninit(dv, b);
}

/** FRSTOR. */
export function frstor(dv: DataView, b: number, src: DataView, o: number, op32: boolean, realMode: boolean): void {
  fldenv(dv, b, src, o, op32, realMode);
  loadRegs(dv, b, src, o + envSize(op32), 10);
}

/**
 * The x87 part of FXSAVE (bytes 0..23 and the register slots at 32 + 16*i; MXCSR at 24 and
 * the XMM registers belong to the SSE unit). `rexW` selects the 64-bit FIP/FDP form. The six
 * reserved bytes after each register are written as zero.
 */
export function fxsaveX87(dv: DataView, b: number, out: DataView, o: number, rexW: boolean): void {
  out.setUint16(o, dv.getUint16(b + OFF_FCW, true), true);
  out.setUint16(o + 2, dv.getUint16(b + OFF_FSW, true), true);
  out.setUint8(o + 4, dv.getUint8(b + OFF_FTW));
  out.setUint8(o + 5, 0);
  out.setUint16(o + 6, dv.getUint16(b + OFF_FOP, true), true);
  out.setUint32(o + 8, dv.getUint32(b + OFF_FIP, true), true);
  out.setUint32(o + 16, dv.getUint32(b + OFF_FDP, true), true);
  if (rexW) {
    out.setUint32(o + 12, dv.getUint32(b + OFF_FIP + 4, true), true);
    out.setUint32(o + 20, dv.getUint32(b + OFF_FDP + 4, true), true);
  } else {
    out.setUint32(o + 12, dv.getUint16(b + OFF_FCS, true), true);
    out.setUint32(o + 20, dv.getUint16(b + OFF_FDS, true), true);
  }
  storeRegs(dv, b, out, o + 32, 16);
  for (let i = 0; i < 8; i++) {
    out.setUint16(o + 32 + 16 * i + 10, 0, true);
    out.setUint32(o + 32 + 16 * i + 12, 0, true);
  }
}

/** The x87 part of FXRSTOR. */
export function fxrstorX87(dv: DataView, b: number, src: DataView, o: number, rexW: boolean): void {
  const fcw = src.getUint16(o, true);
  const fsw = src.getUint16(o + 2, true);
  dv.setUint16(b + OFF_FCW, fcw, true);
  dv.setUint16(b + OFF_FSW, fsw, true);
  dv.setUint8(b + OFF_FTW, src.getUint8(o + 4));
  dv.setUint16(b + OFF_FOP, src.getUint16(o + 6, true) & 0x7ff, true);
  dv.setUint32(b + OFF_FIP, src.getUint32(o + 8, true), true);
  dv.setUint32(b + OFF_FDP, src.getUint32(o + 16, true), true);
  if (rexW) {
    dv.setUint32(b + OFF_FIP + 4, src.getUint32(o + 12, true), true);
    dv.setUint32(b + OFF_FDP + 4, src.getUint32(o + 20, true), true);
    dv.setUint16(b + OFF_FCS, 0, true);
    dv.setUint16(b + OFF_FDS, 0, true);
  } else {
    dv.setUint32(b + OFF_FIP + 4, 0, true);
    dv.setUint32(b + OFF_FDP + 4, 0, true);
    dv.setUint16(b + OFF_FCS, src.getUint16(o + 12, true), true);
    dv.setUint16(b + OFF_FDS, src.getUint16(o + 20, true), true);
  }
  loadRegs(dv, b, src, o + 32, 16);
}
