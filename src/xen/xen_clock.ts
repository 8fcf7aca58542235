// Xen's clock as the guest reads it (xen.h struct vcpu_time_info, pv-guest-requirements §6):
//   system_time(now) = system_time + ((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul >> 32
// Both the TSC and ns come from the machine's virtual clock (the instruction count), so one
// consistent record stays exact; it is refreshed whenever Xen touches the vCPU's time anyway.
// The version is odd while the record is being written and even after (the guest retries).
// Wallclock: wc_sec/wc_nsec is the time of day at system_time 0, i.e. the RTC base of the config.
import type { VirtualClock } from '../machine/virtual_clock.ts';
import type { Abi } from './abi/struct.ts';
import { SharedInfoLayout, VcpuInfoLayout, VcpuTimeInfoLayout, XEN_PVCLOCK_TSC_STABLE_BIT } from './abi/xen.ts';

const TWO32 = 4294967296;
const T = VcpuTimeInfoLayout.x86_64; // identical in both ABIs (naturally aligned members)
const TIME = VcpuInfoLayout.x86_64.time;

export interface TscScale {
  /** tsc_to_system_mul: a 32-bit fraction. */
  readonly mul: number;
  readonly shift: number;
}

/** mul and shift such that ns = (tsc << shift) * mul / 2^32, with mul in [2^31, 2^32). */
export function tscScale(tscKHz: number): TscScale {
  let ratio = 1e6 / tscKHz; // ns per tick
  let shift = 0;
  while (ratio >= 1) { ratio /= 2; shift++; }
  while (ratio < 0.5) { ratio *= 2; shift--; }
  return { mul: Math.floor(ratio * TWO32), shift };
}

function put64(dv: DataView, o: number, v: number): void {
  dv.setUint32(o, v % TWO32, true);
  dv.setUint32(o + 4, Math.floor(v / TWO32), true);
}

/** Refresh the vcpu_time_info inside the vcpu_info at host offset `vi`. */
export function writeVcpuTime(dv: DataView, vi: number, clock: VirtualClock, scale: TscScale): void {
  const o = vi + TIME;
  const version = dv.getUint32(o + T.version, true);
  const odd = (version | 1) >>> 0;
  dv.setUint32(o + T.version, odd, true);
  const ns = clock.nowNs();
  put64(dv, o + T.tsc_timestamp, clock.nsToTsc(ns));
  put64(dv, o + T.system_time, ns);
  dv.setUint32(o + T.tsc_to_system_mul, scale.mul, true);
  dv.setInt8(o + T.tsc_shift, scale.shift);
  dv.setUint8(o + T.flags, XEN_PVCLOCK_TSC_STABLE_BIT);
  dv.setUint32(o + T.version, (odd + 1) >>> 0, true);
}

/** Wallclock at system time 0, in shared_info (layout per the latched ABI). */
export function writeWallclock(dv: DataView, shinfo: number, abi: Abi, sec: number, nsec: number): void {
  const L = SharedInfoLayout[abi];
  const v = dv.getUint32(shinfo + L.wc_version, true);
  const odd = (v | 1) >>> 0;
  dv.setUint32(shinfo + L.wc_version, odd, true);
  dv.setUint32(shinfo + L.wc_sec, sec % TWO32, true);
  dv.setUint32(shinfo + L.wc_nsec, nsec, true);
  const hiOff = abi === 'x86_64' ? SharedInfoLayout.x86_64.wc_sec_hi : SharedInfoLayout.x86_32['arch.wc_sec_hi'];
  if (hiOff !== undefined) dv.setUint32(shinfo + hiOff, Math.floor(sec / TWO32), true);
  dv.setUint32(shinfo + L.wc_version, (odd + 1) >>> 0, true);
}
