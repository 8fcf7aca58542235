// vdev names → vbd numbers, checked against the numbers in Xen's docs/misc/vbd-interface.txt and
// the majors Linux registers (202 xvd, 3/22 IDE, 8 SCSI).
import { describe, expect, it } from 'vitest';
import { parseVdev } from '../../../src/xen/backends/vbd_vdev.ts';

describe('parseVdev (docs/misc/vbd-interface.txt)', () => {
  it.each([
    ['xvda', 51712],
    ['xvdb', 51728],
    ['xvda1', 51713],
    ['xvdp15', (202 << 8) | (15 << 4) | 15],
    ['xvdq', 268439552], // disk 16: the extended scheme
    ['xvda16', (1 << 28) | 16], // partition 16: likewise
    ['xvdaa', (1 << 28) | (26 << 8)],
    ['d0p0', (1 << 28)],
    ['d3p2', (1 << 28) | (3 << 8) | 2],
    ['hda', 768],
    ['hdb', 832],
    ['hdc', 5632],
    ['hdd1', 5632 + 64 + 1],
    ['sda', 2048],
    ['sdb3', 2048 + 16 + 3],
    ['51712', 51712],
  ])('%s is %d', (name, n) => {
    expect(parseVdev(name)?.number).toBe(n);
  });

  it('names the disk as GRUB and Linux do', () => {
    expect(parseVdev('51712')?.name).toBe('xvda');
    expect(parseVdev('d1p0')?.name).toBe('xvdb');
    expect(parseVdev('xvdq')).toMatchObject({ disk: 16, partition: 0 });
  });

  it.each(['', 'xvd', 'vda', 'hde', 'hda64', 'sdq', 'sda16', 'xvda0', 'd1p256', 'xvdA', '-1', '99999999999', 'xvda 1'])('refuses %j', (name) => {
    expect(parseVdev(name)).toBeNull();
  });
});
