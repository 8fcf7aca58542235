import { describe, it, expect } from 'vitest';
import { formatBytes, formatCount, formatInstructions, formatMips, formatVirtualTime } from '../../src/ui/format.ts';

describe('status bar formatting', () => {
  it('MIPS with three significant digits', () => {
    expect([0, -1, NaN, 1.234, 12.34, 123.4].map(formatMips)).toEqual(['0', '0', '0', '1.23', '12.3', '123']);
  });
  it('virtual time in seconds, then minutes', () => {
    expect(formatVirtualTime(0)).toBe('0.000 s');
    expect(formatVirtualTime(1_234_567_890)).toBe('1.235 s');
    expect(formatVirtualTime(184.5e9)).toBe('3 min 04.5 s');
  });
  it('a counter without a source is a dash, not zero', () => {
    expect(formatCount(null)).toBe('—');
    expect([0, 999, 12_345, 2_500_000].map(formatCount)).toEqual(['0', '999', '12 k', '2.5 M']);
  });
  it('bytes in binary units, instructions with separators', () => {
    expect([416, 1536, 14_186_432, 2 ** 31].map(formatBytes)).toEqual(['416 B', '1.5 KiB', '13.5 MiB', '2.0 GiB']);
    expect(formatInstructions(93_983_068)).toBe('93,983,068');
  });
});
