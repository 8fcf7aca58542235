// The core compiles against lib es2022 only (no DOM, no Node types), which does not declare
// WebAssembly. This module declares just what the platform uses; the host provides the real thing.

/** The part of WebAssembly.Memory the machine uses. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(delta: number): number;
}

declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
};

/** A memory of `pages` 64 KiB pages that can never grow, so views on it never detach. */
export function createWasmMemory(pages: number): WasmMemory {
  return new WebAssembly.Memory({ initial: pages, maximum: pages });
}
