// Typed views through which every SIMD operation reads and writes its operands.
//
// All views cover the same buffer from byte 0, so an operand is named by its absolute byte
// offset in that buffer (the CPU state block's XMM slot, an MMX register's 8 bytes, or a
// scratch slot the core filled from memory). Offsets must be 16-byte aligned for XMM operands
// and 8-byte aligned for MMX operands. x86 and every JS engine we run on are little-endian,
// so lane i of a view is lane i of the register.
//
// MXCSR is one 32-bit word in the same buffer; `mx` is its Int32Array index.

export class SimdRegs {
  readonly u8: Uint8Array;
  readonly i8: Int8Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  /** Int32Array index of MXCSR. */
  readonly mx: number;

  constructor(buffer: ArrayBufferLike, mxcsrByteOffset: number) {
    if ((mxcsrByteOffset & 3) !== 0) throw new RangeError('MXCSR must be 4-byte aligned');
    this.u8 = new Uint8Array(buffer);
    this.i8 = new Int8Array(buffer);
    this.u16 = new Uint16Array(buffer, 0, buffer.byteLength >>> 1);
    this.i16 = new Int16Array(buffer, 0, buffer.byteLength >>> 1);
    this.i32 = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
    this.u32 = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
    this.mx = mxcsrByteOffset >>> 2;
  }

  get mxcsr(): number {
    return this.i32[this.mx]!;
  }

  set mxcsr(value: number) {
    this.i32[this.mx] = value;
  }
}
