// __HYPERVISOR_xen_version (xen/common/kernel.c do_xen_version, public/version.h).
// Strings are NUL-terminated inside fixed-size arrays. XENVER_commandline and XENVER_build_id
// need privilege (XSM_PRIV) and give -EPERM to a domU.
import { XEN_EFAULT, XEN_ENOSYS, XEN_EPERM } from '../abi/errno.ts';
import {
  XENFEAT_auto_translated_physmap,
  XENFEAT_hvm_callback_vector,
  XENFEAT_hvm_pirqs,
  XENFEAT_hvm_safe_pvclock,
  XENFEAT_writable_descriptor_tables,
  XENFEAT_writable_page_tables,
  XENVER_build_id,
  XENVER_capabilities,
  XENVER_changeset,
  XENVER_commandline,
  XENVER_compile_info,
  XENVER_extraversion,
  XENVER_get_features,
  XENVER_guest_handle,
  XENVER_pagesize,
  XENVER_platform_parameters,
  XENVER_version,
  XEN_CAPABILITIES_INFO_LEN,
  XEN_CHANGESET_INFO_LEN,
  XEN_EXTRAVERSION_LEN,
  XenCompileInfoLayout,
  XenPlatformParametersLayout,
  xenDomainHandleLen,
} from '../abi/version.ts';
import type { Hypercall } from '../hypercall.ts';
import type { XenDomain } from '../xen_domain.ts';

/** XENVER_get_features submap 0 for an HVM guest (QEMU's list: xen-emu.c). */
export const FEATURES_SUBMAP0 =
  (1 << XENFEAT_writable_page_tables) |
  (1 << XENFEAT_writable_descriptor_tables) |
  (1 << XENFEAT_auto_translated_physmap) |
  (1 << XENFEAT_hvm_callback_vector) |
  (1 << XENFEAT_hvm_safe_pvclock) |
  (1 << XENFEAT_hvm_pirqs);

function cstr(s: string, size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < s.length && i < size - 1; i++) b[i] = s.charCodeAt(i) & 0x7f;
  return b;
}

export function xenVersion(d: XenDomain, h: Hypercall): number {
  const cmd = h.lo[0]!;
  const arg = h.a[1]!;
  const put = (b: Uint8Array): number => (h.g.write(arg, b) ? 0 : -XEN_EFAULT);
  switch (cmd) {
    case XENVER_version:
      return d.opts.xenVersion;
    case XENVER_extraversion:
      return put(cstr('.0-xentab', XEN_EXTRAVERSION_LEN));
    case XENVER_compile_info: {
      const L = XenCompileInfoLayout[h.abi];
      const b = new Uint8Array(XenCompileInfoLayout.sizeof[h.abi]);
      b.set(cstr('xentab', 64), L.compiler);
      b.set(cstr('xentab', 16), L.compile_by);
      b.set(cstr('xentab', 32), L.compile_domain);
      b.set(cstr('', 32), L.compile_date);
      return put(b);
    }
    case XENVER_capabilities:
      return put(cstr('hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64', XEN_CAPABILITIES_INFO_LEN));
    case XENVER_changeset:
      return put(cstr('xentab', XEN_CHANGESET_INFO_LEN));
    case XENVER_platform_parameters: {
      // HVM guests: virt_start is the top of the address space (no Xen hole).
      const b = new Uint8Array(XenPlatformParametersLayout.sizeof[h.abi]);
      return put(b);
    }
    case XENVER_get_features: {
      const f = h.g.read(arg, 8);
      if (!f) return -XEN_EFAULT;
      const dv = new DataView(f.buffer);
      const idx = dv.getUint32(0, true);
      dv.setUint32(4, idx === 0 ? FEATURES_SUBMAP0 : 0, true);
      return put(f);
    }
    case XENVER_pagesize:
      return 4096;
    case XENVER_guest_handle:
      return put(new Uint8Array(xenDomainHandleLen));
    case XENVER_commandline:
    case XENVER_build_id:
      return -XEN_EPERM;
    default:
      return -XEN_ENOSYS;
  }
}
