// vCPU runstate (public/vcpu.h struct vcpu_runstate_info; xen/common/sched/core.c
// vcpu_runstate_change, update_runstate_area, vcpu_runstate_get). Each vCPU is in one state
// (running, runnable, blocked, offline) entered at state_entry_time (Xen system time, ns);
// time[s] holds the ns spent in state s in completed periods. The area the guest registered
// (VCPUOP_register_runstate_memory_area) is rewritten on every state change and before each
// upcall; VCPUOP_get_runstate_info also counts the current period. The state is derived, not
// stepped per instruction: `refresh` looks at the vCPU (waiting for SIPI → offline; halted by
// HLT or blocked in SCHEDOP_block/poll → blocked; else running) at the points that change it.
// A woken vCPU runs at once here, so runnable (steal time) stays 0.
import { HALTED } from '../x86/state_layout.ts';
import type { Abi } from './abi/struct.ts';
import { RUNSTATE_blocked, RUNSTATE_offline, RUNSTATE_running, VcpuRunstateInfoLayout } from './abi/vcpu.ts';
import { VMASST_TYPE_runstate_update_flag } from './abi/xen.ts';
import type { XenDomain } from './xen_domain.ts';

const TWO32 = 4294967296;

export interface RunstateState {
  state: number[];
  entry: number[];
  time: number[];
  abi: Abi[];
}

export class VcpuRunstates {
  /** RUNSTATE_* per vCPU. */
  readonly state: Int32Array;
  /** state_entry_time per vCPU (ns). */
  readonly entry: Float64Array;
  /** time[4] per vCPU (ns), completed periods only. */
  readonly time: Float64Array;
  /** Layout of each vCPU's registered area: the registering caller's ABI. */
  readonly abi: Abi[];
  private readonly buf = new Uint8Array(48);
  private readonly bufView = new DataView(this.buf.buffer);

  constructor(private readonly d: XenDomain, n: number) {
    this.state = new Int32Array(n).fill(RUNSTATE_running);
    this.entry = new Float64Array(n);
    this.time = new Float64Array(n * 4);
    this.abi = new Array<Abi>(n).fill('x86_64');
    // At time 0 the BSP runs and the APs wait for SIPI (offline).
    for (let i = 0; i < n; i++) this.state[i] = this.actual(i);
  }

  /** The state `vcpu` is in now. */
  private actual(vcpu: number): number {
    const d = this.d;
    if (d.machine.platform.lapics[vcpu]?.waitingForSipi) return RUNSTATE_offline;
    if (d.blocked[vcpu] || d.machine.cpus[vcpu]!.s32[HALTED >> 2] !== 0) return RUNSTATE_blocked;
    return RUNSTATE_running;
  }

  /** Record a state change of `vcpu` if there is one (vcpu_runstate_change), then update its area. */
  refresh(vcpu: number): void {
    const s = this.actual(vcpu);
    const old = this.state[vcpu]!;
    if (s !== old) {
      const now = this.d.machine.platform.clock.nowNs();
      const delta = now - this.entry[vcpu]!;
      if (delta > 0) this.time[vcpu * 4 + old] += delta;
      this.state[vcpu] = s;
      this.entry[vcpu] = now;
    }
    this.writeArea(vcpu);
  }

  /** The record as vcpu_runstate_get returns it: the current period counted in. */
  info(vcpu: number, abi: Abi): Uint8Array {
    this.refresh(vcpu);
    const b = this.encode(vcpu, abi, false).slice();
    const L = VcpuRunstateInfoLayout[abi];
    const dv = new DataView(b.buffer);
    const delta = this.d.machine.platform.clock.nowNs() - this.entry[vcpu]!;
    if (delta > 0) put64(dv, L.time + this.state[vcpu]! * 8, this.time[vcpu * 4 + this.state[vcpu]!]! + delta);
    return b;
  }

  /** VCPUOP_register_runstate_memory_area: remember the caller's layout and fill the area. */
  register(vcpu: number, abi: Abi): void {
    this.abi[vcpu] = abi;
    this.refresh(vcpu);
  }

  private encode(vcpu: number, abi: Abi, updating: boolean): Uint8Array {
    const L = VcpuRunstateInfoLayout[abi];
    const dv = this.bufView;
    this.buf.fill(0);
    dv.setInt32(L.state, this.state[vcpu]!, true);
    put64(dv, L.state_entry_time, this.entry[vcpu]!);
    if (updating) dv.setUint8(L.state_entry_time + 7, dv.getUint8(L.state_entry_time + 7) | 0x80); // XEN_RUNSTATE_UPDATE
    for (let k = 0; k < 4; k++) put64(dv, L.time + k * 8, this.time[vcpu * 4 + k]!);
    return this.buf.subarray(0, VcpuRunstateInfoLayout.sizeof[abi]);
  }

  /**
   * update_runstate_area: with VMASST_TYPE_runstate_update_flag the guest sees XEN_RUNSTATE_UPDATE
   * (bit 63 of state_entry_time) set while the record is rewritten and cleared after, so it can
   * retry a torn read. Our update is atomic to the guest, but the writes keep Xen's order.
   */
  private writeArea(vcpu: number): void {
    const d = this.d;
    const pa = d.runstateArea[vcpu]!;
    if (pa < 0) return;
    const abi = this.abi[vcpu]!;
    const size = VcpuRunstateInfoLayout.sizeof[abi];
    if (!d.mem.isBacked(pa, size)) return;
    const flag = (d.vmAssist & (1 << VMASST_TYPE_runstate_update_flag)) !== 0;
    const hiByte = pa + VcpuRunstateInfoLayout[abi].state_entry_time + 7;
    if (flag) d.mem.write8(hiByte, d.mem.read8(hiByte) | 0x80);
    d.mem.writeBytes(pa, this.encode(vcpu, abi, flag));
    if (flag) d.mem.write8(hiByte, d.mem.read8(hiByte) & 0x7f);
  }

  saveState(): RunstateState {
    return { state: Array.from(this.state), entry: Array.from(this.entry), time: Array.from(this.time), abi: [...this.abi] };
  }

  loadState(s: RunstateState | undefined): void {
    if (!s) return;
    this.state.set(s.state);
    this.entry.set(s.entry);
    this.time.set(s.time);
    s.abi.forEach((a, i) => (this.abi[i] = a));
  }
}

function put64(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v % TWO32, true);
  dv.setUint32(off + 4, Math.floor(v / TWO32), true);
}
