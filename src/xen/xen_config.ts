// XenDomainOptions from the one MachineConfig (src/machine/config.ts): what QEMU's
// `-accel kvm,xen-version=…,xen-gnttab-max-frames=…,xen-evtchn-max-pirq=…`, `-cpu …,+xen-vapic,hv-*`
// and `-device xen-console` mean for the domain.
import { hypervEnabled, type MachineConfig } from '../machine/config.ts';
import type { XenDomainOptions } from './xen_domain.ts';

/** Overlay pages a Xen machine needs: shared_info, the special pages and every grant frame. */
export function xenOverlayPages(config: MachineConfig): number {
  return config.accel.xenGnttabMaxFrames + 16;
}

export function xenOptionsFromConfig(config: MachineConfig, wallclockSec: number): XenDomainOptions {
  if (config.accel.xenVersion === null) throw new Error('not a Xen machine config');
  return {
    xenVersion: config.accel.xenVersion,
    hyperv: hypervEnabled(config),
    xenVapic: config.cpu.features['xen-vapic'] === true,
    gnttabMaxFrames: config.accel.xenGnttabMaxFrames,
    evtchnMaxPirq: config.accel.xenEvtchnMaxPirq,
    domid: 1,
    wallclockSec,
    primaryConsole: config.devices.some((d) => d.driver === 'xen-console'),
  };
}

/** The chardev of the first xen-console device (the primary console), or null. */
export function xenConsoleChardev(config: MachineConfig): string | null {
  for (const d of config.devices) if (d.driver === 'xen-console') return d.chardev;
  return null;
}
