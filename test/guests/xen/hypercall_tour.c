/* A tour of the Xen hypercalls from a PVH guest, built twice: 32-bit (the i386 "compat" ABI, as
   GRUB PVH uses it; start32.S) and 64-bit (start64.S, paging on). It finds the Xen CPUID leaves,
   installs the hypercall page, then walks each family, including the error paths a hostile guest
   would try, and prints one line per observation on the hypervisor log (console_io). It ends with
   a greeting on the primary console ring and SCHEDOP_shutdown(poweroff). */
#include "xen_guest.h"

static u8 page_a[4096] __attribute__((aligned(4096)));
static u8 page_b[4096] __attribute__((aligned(4096)));
static u8 page_c[4096] __attribute__((aligned(4096)));

struct xen_hvm_param { u16 domid; u16 pad; u32 index; u64 value; };
struct xen_add_to_physmap { u16 domid; u16 size; u32 space; ulong idx; ulong gpfn; };
struct xen_memory_map { u32 nr_entries; ulong buffer; };
struct evtchn_alloc_unbound { u16 dom, remote_dom; u32 port; };
struct evtchn_bind_interdomain { u16 remote_dom; u16 pad; u32 remote_port; u32 local_port; };
struct evtchn_bind_virq { u32 virq, vcpu, port; };
struct evtchn_status { u16 dom; u16 pad; u32 port; u32 status; u32 vcpu; u32 u[2]; };
struct gnttab_query_size { u16 dom; u16 pad; u32 nr_frames, max_nr_frames; short status; };
struct vcpu_set_singleshot_timer { u64 timeout_abs_ns; u32 flags; };
struct evtchn_init_control { u64 control_gfn; u32 offset, vcpu; u8 link_bits, pad[7]; };
struct grant_entry_v1 { u16 flags; u16 domid; u32 frame; };
struct gnttab_map_grant_ref { u64 host_addr; u32 flags; u32 ref; u16 dom; short status; u32 handle; u64 dev_bus_addr; };
struct gnttab_unmap_grant_ref { u64 host_addr; u64 dev_bus_addr; u32 handle; short status; };
struct gnttab_copy_ptr { union { u32 ref; ulong gmfn; } u; u16 domid; u16 offset; };
struct gnttab_copy { struct gnttab_copy_ptr source, dest; u16 len; u16 flags; short status; };
struct gnttab_swap_grant_ref { u32 ref_a, ref_b; short status; };

#define SHINFO_GFN 0x120000u /* above 4 GiB: Xen maps shared_info at any frame */
/* Frames past the end of RAM, below 4 GiB: grant table frame 0 and where a grant gets mapped. */
#define GNTTAB_GFN 0x11000u
#define MAP_GFN 0x11001u
#define DOMID 1 /* ours (xenstore "domid") */

static long map_grant(u32 flags, u32 ref, u16 dom, struct gnttab_map_grant_ref *m) {
  m->host_addr = (u64)MAP_GFN << 12; m->flags = flags; m->ref = ref; m->dom = dom; m->status = 99;
  return hcall(grant_table_op, 0, (ulong)m, 1);
}
static long copy_op(struct gnttab_copy *c) { c->status = 99; return hcall(grant_table_op, 5, (ulong)c, 1); }

void guest_main(u32 magic, u32 start_info) {
  (void)magic; (void)start_info;
  u32 a, b, c, d, base = xen_setup();
  cpuid(base + 1, &a, &b, &c, &d);
  u32 version = a;
  cpuid(base + 2, &a, &b, &c, &d);
  u32 msr = b;

  reporthex("cpuid base", base);
  reporthex("cpuid version", version);
  reporthex("hypercall msr", msr);
  cpuid(base + 4, &a, &b, &c, &d);
  reporthex("cpuid hvm flags", a);

  /* xen_version */
  reporthex("xen_version(version)", (u32)hcall(xen_version, 0, 0, 0));
  report("xen_version(pagesize)", hcall(xen_version, 7, 0, 0));
  u32 feat[2] = { 0, 0 };
  report("xen_version(get_features)", hcall(xen_version, 6, (ulong)feat, 0));
  reporthex("features[0]", feat[1]);
  report("xen_version(commandline)", hcall(xen_version, 9, (ulong)page_a, 0));
  report("xen_version(bad pointer)", hcall(xen_version, 1, 0xfffff000u, 0));

  /* memory_op */
  struct xen_memory_map mm = { 128, (ulong)page_a };
  report("memory_op(memory_map)", hcall(memory_op, 9, (ulong)&mm, 0));
  u32 reserved_special = 0;
  for (u32 i = 0; i < mm.nr_entries; i++) {
    u32 *e = (u32 *)(page_a + i * 20);
    if (e[0] == 0xfeff8000u && e[4] == 2) reserved_special = 1;
  }
  report("e820 has the Xen special pages reserved", reserved_special);
  struct xen_add_to_physmap xatp = { DOMID_SELF, 0, 0 /* shared_info */, 0, SHINFO_GFN };
  report("memory_op(add_to_physmap shared_info above 4G)", hcall(memory_op, 7, (ulong)&xatp, 0));
  xatp.idx = 1;
  report("memory_op(add_to_physmap shared_info idx 1)", hcall(memory_op, 7, (ulong)&xatp, 0));
  xatp.domid = 3; xatp.idx = 0;
  report("memory_op(add_to_physmap other domain)", hcall(memory_op, 7, (ulong)&xatp, 0));
  report("memory_op(unknown)", hcall(memory_op, 63, 0, 0));

  /* hvm_op */
  static const char *names[] = { "STORE_PFN", "STORE_EVTCHN", "CONSOLE_PFN", "CONSOLE_EVTCHN" };
  static const u32 idx[] = { 1, 2, 17, 18 };
  u32 store_pfn = 0, store_port = 0, cons_pfn = 0, cons_port = 0;
  for (int i = 0; i < 4; i++) {
    struct xen_hvm_param p = { DOMID_SELF, 0, idx[i], 0 };
    long rc = hcall(hvm_op, 1, (ulong)&p, 0);
    puts_("hvm_op(get_param "); puts_(names[i]); puts_(") = "); putdec(rc); puts_(" value "); puthex_((u32)p.value); endline();
    if (i == 0) store_pfn = (u32)p.value;
    if (i == 1) store_port = (u32)p.value;
    if (i == 2) cons_pfn = (u32)p.value;
    if (i == 3) cons_port = (u32)p.value;
  }
  struct xen_hvm_param bad = { DOMID_SELF, 0, 1000, 0 };
  report("hvm_op(get_param 1000)", hcall(hvm_op, 1, (ulong)&bad, 0));
  bad.index = 1;
  report("hvm_op(set_param STORE_PFN)", hcall(hvm_op, 0, (ulong)&bad, 0));

  /* event channels, loopback */
  struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
  report("evtchn(alloc_unbound)", hcall(event_channel_op, 6, (ulong)&au, 0));
  struct evtchn_bind_interdomain bi = { DOMID_SELF, 0, au.port, 0 };
  report("evtchn(bind_interdomain)", hcall(event_channel_op, 0, (ulong)&bi, 0));
  puts_("ports "); putdec(au.port); puts_(" "); putdec(bi.local_port); endline();
  u32 send = bi.local_port;
  report("evtchn(send)", hcall(event_channel_op, 4, (ulong)&send, 0));
  struct evtchn_status st = { DOMID_SELF, 0, au.port, 0, 0, { 0, 0 } };
  report("evtchn(status)", hcall(event_channel_op, 5, (ulong)&st, 0));
  puts_("status "); putdec(st.status); puts_(" remote port "); putdec(st.u[1]); endline();
  struct evtchn_bind_virq bv = { 0 /* VIRQ_TIMER */, 0, 0 };
  report("evtchn(bind_virq TIMER)", hcall(event_channel_op, 1, (ulong)&bv, 0));
  report("evtchn(bind_virq TIMER again)", hcall(event_channel_op, 1, (ulong)&bv, 0));
  u32 bogus = 5000;
  report("evtchn(send to port 5000)", hcall(event_channel_op, 4, (ulong)&bogus, 0));
  report("evtchn(close)", hcall(event_channel_op, 3, (ulong)&send, 0));
  /* FIFO ABI: not offered (-ENOSYS, guests fall back to 2-level), but Xen's own refusals first. */
  struct evtchn_init_control ic = { (ulong)page_c >> 12, 0, 0, 0, { 0 } };
  report("evtchn(FIFO init_control)", hcall(event_channel_op, 11, (ulong)&ic, 0));
  ic.control_gfn = (u64)-2;
  report("evtchn(FIFO init_control bad gfn)", hcall(event_channel_op, 11, (ulong)&ic, 0));
  ic.control_gfn = (ulong)page_c >> 12; ic.offset = 4;
  report("evtchn(FIFO init_control misaligned)", hcall(event_channel_op, 11, (ulong)&ic, 0));
  ic.offset = 0; ic.vcpu = 9;
  report("evtchn(FIFO init_control vcpu 9)", hcall(event_channel_op, 11, (ulong)&ic, 0));
  u64 array_gfn = (ulong)page_c >> 12;
  report("evtchn(FIFO expand_array)", hcall(event_channel_op, 12, (ulong)&array_gfn, 0));

  /* grant tables */
  u32 ver = 2;
  report("gnttab(set_version 2)", hcall(grant_table_op, 8, (ulong)&ver, 1));
  struct gnttab_query_size qs = { DOMID_SELF, 0, 0, 0, 0 };
  report("gnttab(query_size)", hcall(grant_table_op, 6, (ulong)&qs, 1));
  puts_("grant frames "); putdec(qs.nr_frames); puts_(" of "); putdec(qs.max_nr_frames); endline();
  report("gnttab(dump_table)", hcall(grant_table_op, 3, (ulong)page_a, 1));

  /* The domain's own grants: map, unmap, copy and swap, as Xen runs them for an HVM domU. */
  struct xen_add_to_physmap gx = { DOMID_SELF, 0, 1 /* grant_table */, 0, GNTTAB_GFN };
  report("memory_op(add_to_physmap grant_table 0)", hcall(memory_op, 7, (ulong)&gx, 0));
  volatile struct grant_entry_v1 *gt = (volatile struct grant_entry_v1 *)((ulong)GNTTAB_GFN << 12);
  gt[8].frame = (u32)((ulong)page_b >> 12); gt[8].domid = DOMID; gt[8].flags = 1;          /* permit_access */
  gt[9].frame = (u32)((ulong)page_c >> 12); gt[9].domid = DOMID; gt[9].flags = 1 | 4;      /* readonly */
  gt[10].frame = (u32)((ulong)page_c >> 12); gt[10].domid = 5; gt[10].flags = 1;           /* for domain 5 */
  page_b[0] = 0x5a; page_b[4095] = 0xa5;
  struct gnttab_map_grant_ref m;
  long rc = map_grant(2 /* host_map */, 8, DOMID, &m);
  puts_("gnttab(map own grant) = "); putdec(rc); puts_(" status "); putdec(m.status); puts_(" handle "); putdec(m.handle); endline();
  volatile u8 *mapped = (volatile u8 *)((ulong)MAP_GFN << 12);
  report("the mapped frame shows the granted page", mapped[0] == 0x5a && mapped[4095] == 0xa5 && m.dev_bus_addr == (ulong)page_b);
  mapped[1] = 0x77;
  report("a write through it lands in the granted page", page_b[1] == 0x77);
  report("grant entry now reading|writing", gt[8].flags);
  struct gnttab_map_grant_ref m2;
  map_grant(2, 8, DOMID, &m2);
  report("gnttab(map over a mapped frame) status", m2.status);
  struct gnttab_unmap_grant_ref u = { (u64)MAP_GFN << 12, 0, m.handle, 99 };
  rc = hcall(grant_table_op, 1, (ulong)&u, 1);
  puts_("gnttab(unmap) = "); putdec(rc); puts_(" status "); putdec(u.status); endline();
  report("grant entry flags after unmap", gt[8].flags);
  u.status = 99; hcall(grant_table_op, 1, (ulong)&u, 1);
  report("gnttab(unmap again) status", u.status);
  map_grant(2, 8, 0, &m); report("gnttab(map a grant of dom 0) status", m.status);
  map_grant(2, 8, DOMID_SELF, &m); report("gnttab(map DOMID_SELF) status", m.status);
  map_grant(2, 0, DOMID, &m); report("gnttab(map ref 0, granted to dom 0) status", m.status);
  map_grant(2, 100000, DOMID, &m); report("gnttab(map ref 100000) status", m.status);
  map_grant(0, 8, DOMID, &m); report("gnttab(map without host_map) status", m.status);
  map_grant(1 | 2, 8, DOMID, &m); report("gnttab(map device_map) status", m.status);
  map_grant(2, 9, DOMID, &m); report("gnttab(map read-only grant for writing) status", m.status);
  report("grant entry flags after the refusals", gt[8].flags | gt[9].flags << 8);

  struct gnttab_copy cp = { { { 0 }, DOMID_SELF, 16 }, { { 0 }, DOMID, 32 }, 8, 2 /* dest_gref */, 0 };
  cp.source.u.gmfn = (ulong)page_a >> 12; cp.dest.u.ref = 8;
  page_a[16] = 0x42; page_a[23] = 0x43;
  rc = copy_op(&cp);
  puts_("gnttab(copy frame to own grant) = "); putdec(rc); puts_(" status "); putdec(cp.status); endline();
  report("copied bytes arrived", page_b[32] == 0x42 && page_b[39] == 0x43 && page_b[40] == 0);
  cp.source.domid = DOMID; copy_op(&cp); report("gnttab(copy from a frame named by domid 1) status", cp.status);
  cp.source.domid = DOMID_SELF; cp.dest.domid = 5; copy_op(&cp); report("gnttab(copy to a grant of dom 5) status", cp.status);
  cp.dest.domid = DOMID; cp.dest.offset = 4090; copy_op(&cp); report("gnttab(copy past the page) status", cp.status);
  cp.dest.offset = 0; cp.dest.u.ref = 9; copy_op(&cp); report("gnttab(copy into a read-only grant) status", cp.status);
  cp.dest.u.ref = 10; copy_op(&cp); report("gnttab(copy into a grant for dom 5) status", cp.status);
  cp.dest.u.ref = 8; cp.source.u.gmfn = 0x10fff; copy_op(&cp); report("gnttab(copy from a frame past RAM) status", cp.status);
  struct gnttab_swap_grant_ref sw = { 8, 9, 99 };
  rc = hcall(grant_table_op, 11, (ulong)&sw, 1);
  puts_("gnttab(swap 8 9) = "); putdec(rc); puts_(" status "); putdec(sw.status); endline();
  report("entry 8 now read-only", gt[8].flags);
  sw.ref_b = 4096 * 64; hcall(grant_table_op, 11, (ulong)&sw, 1); report("gnttab(swap with a ref past the table) status", sw.status);

  /* timers and vcpu_op */
  struct vcpu_set_singleshot_timer t = { 1, 0 };
  report("vcpu_op(set_singleshot_timer)", hcall(vcpu_op, 8, 0, (ulong)&t));
  report("vcpu_op(set_singleshot_timer vcpu 7)", hcall(vcpu_op, 8, 7, (ulong)&t));
  report("vcpu_op(is_up)", hcall(vcpu_op, 3, 0, 0));

  /* XenStore: read "domid" */
  volatile u8 *xs = (volatile u8 *)((ulong)store_pfn << 12);
  volatile u32 *xsi = (volatile u32 *)(xs + 2048); /* req_cons, req_prod, rsp_cons, rsp_prod */
  static const u8 req[] = { 2, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 'd', 'o', 'm', 'i', 'd', 0 };
  for (u32 i = 0; i < sizeof req; i++) xs[(xsi[1] + i) & 1023] = req[i];
  xsi[1] += sizeof req;
  hcall(event_channel_op, 4, (ulong)&store_port, 0);
  for (int spin = 0; spin < 1000 && xsi[3] - xsi[2] < 17; spin++) hcall(sched_op, 0, 0, 0);
  puts_("xenstore read domid: type "); putdec(xs[1024 + (xsi[2] & 1023)]); puts_(" value ");
  u32 n = xs[1024 + ((xsi[2] + 12) & 1023)];
  for (u32 i = 0; i < n && i < 16; i++) put((char)xs[1024 + ((xsi[2] + 16 + i) & 1023)]);
  endline();
  xsi[2] += 16 + n;

  /* sched_op odds and ends */
  report("sched_op(yield)", hcall(sched_op, 0, 0, 0));
  report("sched_op(remote_shutdown)", hcall(sched_op, 4, (ulong)page_a, 0));
  report("unknown hypercall 44", hcall(44, 0, 0, 0));

  /* The primary console ring: one greeting, then wait until it is drained. */
  volatile u8 *cons = (volatile u8 *)((ulong)cons_pfn << 12);
  volatile u32 *ci = (volatile u32 *)(cons + 3072); /* in_cons, in_prod, out_cons, out_prod */
  static const char hello[] = "hello from the primary console ring\r\n";
  for (u32 i = 0; hello[i]; i++) cons[1024 + ((ci[3] + i) & 2047)] = (u8)hello[i];
  ci[3] += sizeof hello - 1;
  hcall(event_channel_op, 4, (ulong)&cons_port, 0);
  while (ci[2] != ci[3]) hcall(sched_op, 0, 0, 0);

  u32 reason = 0; /* SHUTDOWN_poweroff */
  hcall(sched_op, 2, (ulong)&reason, 0);
  puts_serial("shutdown returned\n");
  qemu_exit(2);
}
