// The guest's own grant maps (src/xen/gnttab_guest.ts) across a snapshot: the maptrack handle,
// the frame mapped at host_addr and the grant entry's pin all come back, so the restored guest can
// unmap exactly as the original would. Offsets are gcc's for public/grant_table.h (x86_64):
// gnttab_map_grant_ref {host_addr 0, flags 8, ref 12, dom 16, status 18, handle 20, dev_bus_addr 24},
// gnttab_unmap_grant_ref {host_addr 0, dev_bus_addr 8, handle 16, status 20}.
import { describe, expect, it } from 'vitest';
import { call64, DATA, makeXen, mem, type XenTestMachine } from './xen_harness.ts';

const grant_table_op = 20, memory_op = 12;
const GT_GFN = 0x5000, TARGET_GFN = 0x5001, GRANTED = 0x3000;

function mapOwnGrant(x: XenTestMachine): void {
  const m = mem(x);
  // XENMEM_add_to_physmap(DOMID_SELF, grant_table, idx 0, gpfn GT_GFN): domid 0, size 2, space 4, idx 8, gpfn 16.
  m.write32(DATA, 0x7ff0); m.write32(DATA + 4, 1); m.write32(DATA + 8, 0); m.write32(DATA + 12, 0); m.write32(DATA + 16, GT_GFN); m.write32(DATA + 20, 0);
  expect(call64(x, memory_op, 7, DATA)).toBe(0);
  m.write32(GT_GFN * 4096 + 8 * 8, 1 | (1 << 16)); // ref 8: permit_access for domain 1
  m.write32(GT_GFN * 4096 + 8 * 8 + 4, GRANTED >> 12);
  m.write32(GRANTED, 0xfeedf00d);
  const op = DATA + 0x100;
  m.write32(op, (TARGET_GFN * 4096) >>> 0); m.write32(op + 4, 0);
  m.write32(op + 8, 2); m.write32(op + 12, 8); m.write32(op + 16, 1 | (0x63 << 16));
  expect(call64(x, grant_table_op, 0, op, 1)).toBe(0);
  expect(m.read32(op + 16) >> 16).toBe(0); // status okay
}

function unmap(x: XenTestMachine, handle: number): number {
  const m = mem(x), op = DATA + 0x200;
  m.write32(op, (TARGET_GFN * 4096) >>> 0); m.write32(op + 4, 0); m.write32(op + 8, 0); m.write32(op + 12, 0);
  m.write32(op + 16, handle); m.write32(op + 20, 0x63);
  expect(call64(x, grant_table_op, 1, op, 1)).toBe(0);
  return (m.read32(op + 20) << 16) >> 16;
}

describe('guest grant maps (GNTTABOP_map_grant_ref) in snapshots', () => {
  it('a restored domain still shows the mapped frame and unmaps it by its handle', () => {
    const x = makeXen();
    mapOwnGrant(x);
    expect(mem(x).read32(TARGET_GFN * 4096)).toBe(0xfeedf00d);
    const snap = x.m.saveSnapshot();
    const dom = JSON.parse(JSON.stringify(x.d.saveState()));
    const y = makeXen();
    y.m.loadSnapshot(snap);
    y.d.loadState(dom);
    expect(mem(y).read32(TARGET_GFN * 4096)).toBe(0xfeedf00d);
    expect(mem(y).read32(GT_GFN * 4096 + 64) & 0xffff).toBe(1 | 8 | 16); // reading | writing while mapped
    expect(unmap(y, 0)).toBe(0);
    expect(mem(y).read32(GT_GFN * 4096 + 64) & 0xffff).toBe(1);
    expect(unmap(y, 0)).toBe(-4); // GNTST_bad_handle: the handle is free again
  });
});

describe('guest grant operations are traced (invariant 7)', () => {
  it('map and unmap emit xen_gnttab_map / xen_gnttab_unmap from the guest layer with their status', () => {
    const x = makeXen();
    const events: { name: string; layer: string; args: Record<string, number | string> }[] = [];
    x.d.trace.attach((e) => events.push(e));
    mapOwnGrant(x);
    expect(unmap(x, 0)).toBe(0);
    const g = events.filter((e) => e.name.startsWith('xen_gnttab_'));
    expect(g.map((e) => [e.name, e.layer, e.args.ret])).toEqual([['xen_gnttab_map', 'guest', 0], ['xen_gnttab_unmap', 'guest', 0]]);
    expect(g[0]!.args).toMatchObject({ ref: 8, dom: 1, host_gfn: TARGET_GFN, handle: 0 });
  });
});
