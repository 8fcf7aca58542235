// Number formatting for the status bar and panels (plain functions, tested in Node).

/** `12.3`, `1.23 k`: MIPS with three significant digits. */
export function formatMips(mips: number): string {
  if (!Number.isFinite(mips) || mips <= 0) return '0';
  if (mips >= 100) return mips.toFixed(0);
  if (mips >= 10) return mips.toFixed(1);
  return mips.toFixed(2);
}

/** Virtual time: `0.000 s`, `12.345 s`, `3 min 04.5 s`. */
export function formatVirtualTime(ns: number): string {
  const s = ns / 1e9;
  if (s < 60) return `${s.toFixed(3)} s`;
  const min = Math.floor(s / 60);
  return `${min} min ${(s - min * 60).toFixed(1).padStart(4, '0')} s`;
}

/** A rate or counter that may have no source yet: `—` for null. */
export function formatCount(n: number | null): string {
  if (n === null) return '—';
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)} k`;
  return String(Math.round(n));
}

/** `1.5 MiB` */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/** Instruction counts: `1,234,567`. */
export function formatInstructions(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
