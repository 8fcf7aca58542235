// Byte offsets of every field of one vCPU's state block (DESIGN.md invariant 6, style-models §7.5).
//
// The block lives inside the same WebAssembly.Memory as guest RAM, at a `stateBase` the machine
// chooses (must be a multiple of 64). TypeScript reads it through typed-array views whose
// byteOffset is stateBase, so every index below is a compile-time constant; a later wasm JIT
// uses the same numbers as `i32.load offset=stateBase+X`. Snapshots save the block as one blob
// (minus the TLBs, which are rebuilt).
//
// 64-bit values are little-endian lo/hi int32 pairs: lo at X, hi at X+4, so the pair is also a
// valid i64 for wasm. GPR n occupies [8n, 8n+8): AL is byte 0, AH byte 1, AX the u16 at 0, EAX
// the i32 at 0. All offsets are 4-byte aligned; 64-bit fields 8-byte aligned.
//
// Reserved gaps are deliberate: part 2 (system architecture) and the x87/SIMD helpers add
// fields inside them without moving anything.

// ---- General-purpose registers (order of the ModRM/REX register numbers, SDM Vol 2 §2.1.5)
export const GPR = 0x000; // 16 x 8 bytes: rax rcx rdx rbx rsp rbp rsi rdi r8..r15
export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;

// ---- Instruction pointer and flags
export const RIP = 0x080; // lo/hi
/**
 * RFLAGS in architectural layout (SDM Vol 1 §3.4.3). The six arithmetic flags (CF PF AF ZF SF
 * OF) are only valid here for the bits NOT set in LAZY_MASK; the others are derived from the
 * lazy-flag record below (src/x86/flags.ts).
 */
export const RFLAGS = 0x088;
/** Which of CF/PF/AF/ZF/SF/OF must be computed from the lazy record (bit positions as in RFLAGS). */
export const LAZY_MASK = 0x08c;
/** Lazy-flag operation: kind << 2 | size code (0=8, 1=16, 2=32, 3=64 bits); see flags.ts. */
export const CC_OP = 0x090;
export const CC_RES = 0x098; // lo/hi: result of the last flag-setting operation
export const CC_SRC1 = 0x0a0; // lo/hi: first operand
export const CC_SRC2 = 0x0a8; // lo/hi: second operand

// ---- Execution mode cache (derived from CR0/EFER/CS; recomputed by the CPU, never by the guest)
/** 16, 32 or 64: the default operand/address size of the code segment (64 = long mode, CS.L). */
export const CODE_BITS = 0x0b0;
/** 16 or 32: SS.B (stack address size outside 64-bit mode). */
export const STACK_BITS = 0x0b4;
export const CPL = 0x0b8;
/** Bits of CpuModeFlag (cpu.ts) – protected, long mode active, paging on ... */
export const MODE_FLAGS = 0x0bc;

// ---- Counters and run state
export const ICOUNT = 0x0c0; // lo/hi: retired instructions (a double split into two uint32)
export const HALTED = 0x0c8; // 1 after HLT until an interrupt
/** Interrupt shadow after STI / MOV SS / POP SS (part 2): instruction count at which it ends. */
export const INT_SHADOW = 0x0cc;

// ---- Pending exception (recorded by an instruction that faults; delivered through the IDT in part 2)
export const EXC_VECTOR = 0x0d0; // -1 when none
export const EXC_ERROR = 0x0d4; // error code, or -1 when the vector has none
export const EXC_ADDR = 0x0d8; // lo/hi: faulting linear address for #PF (becomes CR2 on delivery)
export const EXC_RIP = 0x0e0; // lo/hi: RIP of the faulting instruction
/** Nested-delivery bookkeeping for part 2 (contributory/benign classes, double fault). */
export const EXC_NESTING = 0x0e8;
export const NMI_PENDING = 0x0ec;
export const NMI_BLOCKED = 0x0f0;

// ---- Deterministic generator for RDRAND/RDSEED (xoshiro128** state; seeded by the machine)
export const RNG_STATE = 0x0f8; // 4 x uint32 (to 0x108)

// ---- Segment registers with descriptor caches (SDM Vol 3 §3.4.3), 32 bytes each
export const SEG = 0x140;
export const SEG_STRIDE = 0x20;
export const SEG_SELECTOR = 0x00; // u16 in an i32
/** Descriptor attributes in the layout of descriptor bytes 5..6 (type, S, DPL, P, AVL, L, D/B, G) at bits 0..15. */
export const SEG_ATTR = 0x04;
export const SEG_BASE = 0x08; // lo/hi (FS/GS bases are 64-bit; others zero-extended)
export const SEG_LIMIT = 0x10; // byte-granular limit after applying G
/** ES CS SS DS FS GS as in the ModRM sreg encoding, then LDTR and TR (system segments). */
export const ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5, LDTR = 6, TR = 7;
// 8 x 32 = 0x100 bytes: 0x140..0x240

// ---- Descriptor-table registers: base lo/hi, limit
export const GDTR = 0x240; // base lo/hi at +0, limit at +8 (16 bytes)
export const IDTR = 0x250;

// ---- Control registers (SDM Vol 3 §2.5)
export const CR0 = 0x260;
export const CR2 = 0x268; // lo/hi
export const CR3 = 0x270; // lo/hi
export const CR4 = 0x278;
export const CR8 = 0x27c; // TPR mirror (part 2 syncs it with the LAPIC)
export const XCR0 = 0x280; // lo/hi (no XSAVE advertised yet; reserved)

// ---- Debug registers DR0..DR7, 8 bytes each (DR4/DR5 alias DR6/DR7 when CR4.DE=0)
export const DR = 0x290; // to 0x2d0

// ---- MSRs owned by the CPU (SDM Vol 4), 8 bytes each (lo/hi)
export const MSR_EFER = 0x2d0;
export const MSR_STAR = 0x2d8;
export const MSR_LSTAR = 0x2e0;
export const MSR_CSTAR = 0x2e8;
export const MSR_SFMASK = 0x2f0;
export const MSR_KERNEL_GS_BASE = 0x2f8;
export const MSR_SYSENTER_CS = 0x300;
export const MSR_SYSENTER_ESP = 0x308;
export const MSR_SYSENTER_EIP = 0x310;
export const MSR_PAT = 0x318;
export const MSR_TSC_OFFSET = 0x320; // TSC = icount-derived time + offset (part 2)
export const MSR_TSC_AUX = 0x328;
export const MSR_TSC_DEADLINE = 0x330;
export const MSR_MISC_ENABLE = 0x338;
export const MSR_APIC_BASE = 0x340;
export const MSR_SPEC_CTRL = 0x348;
// 0x350..0x400 reserved for further MSRs (MTRRs, x2APIC mirror, …) in part 2

// ---- TLB address-space tag (CR3/PCID-derived; see tlb.ts)
export const TLB_ASID = 0x400;
export const TLB_GENERATION = 0x404;
/** PAE paging's four PDPTE registers (SDM Vol 3 §4.4.1), 8 bytes each (system/pdpte.ts). */
export const PDPTE = 0x408; // to 0x428
/** (CR3 & ~0x1f) | 1 of the PDPT the PDPTE registers were loaded from; 0: not loaded. */
export const PDPTE_TAG = 0x428;
// 0x42c..0x480 reserved

// ---- x87 FPU (layout owned by src/x86/fpu/fpu_state.ts)
export const FPU = 0x480;
export const FPU_STATE_BYTES = 128; // 0x480..0x500
/** MMX registers alias the low 64 bits (significand) of physical x87 registers R0–R7; fpu_state.ts defines where. */

// ---- SSE: XMM0–15 (16 x 16 bytes) and MXCSR (SDM Vol 1 §10.2)
export const XMM = 0x500; // to 0x600
export const MXCSR = 0x600;
// 0x604..0x800 reserved (YMM upper halves if AVX ever comes, XSAVE header)

// ---- TLBs (tlb.ts): direct-mapped, 4 int32 per entry: [tagLo, tagHi, hostPage, perms]
export const TLB_ENTRY_BYTES = 16;
export const DTLB_ENTRIES = 1024;
export const ITLB_ENTRIES = 256;
export const DTLB = 0x800; // 16 KiB: 0x800..0x4800
export const ITLB = DTLB + DTLB_ENTRIES * TLB_ENTRY_BYTES; // 4 KiB: 0x4800..0x5800

/** Total size of one vCPU's state block; the machine reserves this much at stateBase. */
export const CPU_STATE_BYTES = 0x6000;
