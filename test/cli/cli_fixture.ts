// Shared by the CLI tests: a temp dir holding placeholder files so the parse-time file checks
// pass, and path normalisation so golden configs do not depend on where the dir is.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PLACEHOLDER_FILES = ['xen', 'bzImage', 'initrd.img', 'guest.img', 'grub-i386-xen_pvh.bin', 'disk2.img'];

/**
 * A minimal multiboot 1 image (Multiboot spec 3.1.1, a.out kludge: flags bit 16) that QEMU's
 * loader accepts, so QEMU can be asked whether it takes a test-runner command line. It is
 * never run (QEMU gets -S); its entry is a HLT loop.
 */
export function multibootImage(code: readonly number[] = [0xf4, 0xeb, 0xfd]): Uint8Array {
  const magic = 0x1badb002;
  const flags = 0x00010000;
  const base = 0x100000;
  const words = [magic, flags, (-(magic + flags)) >>> 0, base, base, 0, 0, base + 32];
  const image = new Uint8Array(4096);
  const view = new DataView(image.buffer);
  words.forEach((w, i) => view.setUint32(i * 4, w, true));
  image.set(code, 32); // default: hlt; jmp $-1
  return image;
}

/** Prints "Hi\n" on COM1, then writes 42 to isa-debug-exit at 0xf4 (exit status 85). */
export const HELLO_CODE = [
  0x66, 0xba, 0xf8, 0x03, // mov dx, 0x3f8
  0xb0, 0x48, 0xee, // mov al, 'H'; out dx, al
  0xb0, 0x69, 0xee, // mov al, 'i'; out dx, al
  0xb0, 0x0a, 0xee, // mov al, '\n'; out dx, al
  0x66, 0xba, 0xf4, 0x00, // mov dx, 0xf4
  0xb0, 0x2a, 0xee, // mov al, 42; out dx, al
  0xf4, 0xeb, 0xfd, // hlt; jmp $-1
];

/** Echoes COM1 input (polling LSR.DR) until it reads 'q', then writes 0 to isa-debug-exit (status 1). */
export const ECHO_CODE = [
  0x66, 0xba, 0xfd, 0x03, // 0: mov dx, 0x3fd (LSR)
  0xec, 0xa8, 0x01, 0x74, 0xfb, // 4: in al, dx; test al, 1; jz 4
  0x66, 0xba, 0xf8, 0x03, 0xec, 0xee, // 9: mov dx, 0x3f8; in al, dx; out dx, al
  0x3c, 0x71, 0x75, 0xed, // 15: cmp al, 'q'; jne 0
  0x66, 0xba, 0xf4, 0x00, 0xb0, 0x00, 0xee, // 19: mov dx, 0xf4; mov al, 0; out dx, al
  0xf4, 0xeb, 0xfd, // hlt; jmp $-1
];

/** Prints "R" on COM1, then resets through the PIIX reset control register (0xcf9 ← 6). */
export const RESET_CODE = [
  0x66, 0xba, 0xf8, 0x03, 0xb0, 0x52, 0xee, // mov dx, 0x3f8; mov al, 'R'; out dx, al
  0x66, 0xba, 0xf9, 0x0c, 0xb0, 0x06, 0xee, // mov dx, 0xcf9; mov al, 6; out dx, al
  0xf4, 0xeb, 0xfd, // hlt; jmp $-1
];

export function makeFixtureDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'xentab-cli-'));
  for (const f of PLACEHOLDER_FILES) writeFileSync(join(dir, f), `${f}\n`);
  writeFileSync(join(dir, 'kernel.mb'), multibootImage());
  writeFileSync(join(dir, 'hello.mb'), multibootImage(HELLO_CODE));
  writeFileSync(join(dir, 'echo.mb'), multibootImage(ECHO_CODE));
  writeFileSync(join(dir, 'reset.mb'), multibootImage(RESET_CODE));
  writeFileSync(join(dir, 'trace-events.txt'), '# events\nxenstore_*\n\nxen_evtchn_*\n');
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Replaces the temp dir in every string with `<dir>`. */
export function normalisePaths<T>(value: T, dir: string): T {
  return JSON.parse(JSON.stringify(value).split(dir).join('<dir>')) as T;
}
