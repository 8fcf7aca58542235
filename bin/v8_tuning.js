// V8 inlining budget for the Node entry points (bin/xentab.js, bin/run-ts.js).
//
// The interpreter's hot path is Cpu.run → execute → an instruction handler → memory/flag
// helpers. V8 inlines at most 920 bytes of bytecode into one optimised function and no single
// function over 460 bytes; the handlers and helpers on that path add up to more, so with the
// defaults most instructions pay two to four calls. Raising both limits lets V8 compile the
// path as one function: +25–30 % guest MIPS in `npm run bench` (DESIGN.md §6 facts). Browsers
// cannot set V8 flags, so the page runs with the defaults; `npm run bench -- --v8-defaults`
// measures that configuration. Set before any of our modules is compiled (flags read at
// optimisation time). XENTAB_V8_DEFAULTS=1 leaves V8 untouched.
import v8 from 'node:v8';

export const V8_INLINING_FLAGS = ['--max-inlined-bytecode-size=1000', '--max-inlined-bytecode-size-cumulative=4000'];

if (process.env.XENTAB_V8_DEFAULTS !== '1') for (const f of V8_INLINING_FLAGS) v8.setFlagsFromString(f);
