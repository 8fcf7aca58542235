// Completeness against the headers: every numeric macro a guest-facing prefix defines in
// Debian's libxen-dev 4.17 (as gcc -dM -E lists them) is declared in src/xen/abi — its value is
// then checked by headers.test.ts — or is left out here on purpose, with the reason.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeSource, type AbiModule } from '../../../tools/xen_abi/probe_source.ts';
import { ABI_MODULES } from './abi_modules.ts';

const hasHeaders = existsSync('/usr/include/xen/xen.h') && spawnSync('gcc', ['--version']).status === 0;
if (!hasHeaders) console.warn('completeness.test.ts skipped: Xen public headers or gcc absent (apt-get install libxen-dev)');

const PREFIXES =
  /^(__HYPERVISOR_|EVTCHNOP_|EVTCHNSTAT_|GNTTABOP_|GNTST_|GTF_|GNTMAP_|GNTCOPY_|XENMEM_|XENMAPSPACE_|HVMOP_|HVM_PARAM_|VCPUOP_|SCHEDOP_|SHUTDOWN_|XENVER_|PHYSDEVOP_|VIRQ_|CONSOLEIO_|XENFEAT_|BLKIF_|NETIF_|NETTXF_|NETRXF_|XEN_NETIF_|XENSTORE_|XS_|MMUEXT_|MMU_|VMASST_|DOMID_|RUNSTATE_|XEN_HVM_|VDISK_|UVMF_|SIF_)/;

/** Left out on purpose: [pattern, why]. */
const OMITTED: ReadonlyArray<readonly [RegExp, string]> = [
  [/^HVMOP_altp2m|^HVMOP_ALTP2M/, 'alternate p2m views: introspection tools, not guests'],
  [/^XENMEM_(sharing_op|SHARING_OP|paging_op|access_op|resource|FORK|RDM)/, 'memory sharing/paging/access/resources: toolstack and device models'],
  [/^XEN_NETIF_CTRL/, 'netif control ring (hash offload): not used by a copying backend'],
  [/^PHYSDEVOP_DBGP/, 'USB debug port handover: dom0 only'],
  [/^__HYPERVISOR_VIRT_(START|END)$/, 'PV address-space layout, differs per ABI'],
  [/^XS_WRITE_/, 'string constants of an old write mode, not numbers'],
  [/^GNTTABOP_error_msgs$/, 'a string table: gnttabopErrorMsgs'],
  [/^XEN_HVM_MCA_CAP/, 'machine-check capabilities'],
];

describe.skipIf(!hasHeaders)('src/xen/abi covers the public headers', () => {
  it('declares every guest-facing numeric macro or says why not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xen-abi-macros-'));
    try {
      const src = join(dir, 'inc.c');
      const includes = probeSource(ABI_MODULES as readonly AbiModule[])
        .split('\n')
        .filter((l) => l.startsWith('#include'));
      writeFileSync(src, includes.join('\n') + '\n');
      const cpp = spawnSync('gcc', ['-D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__', '-D__XEN_TOOLS__', '-dM', '-E', src], { encoding: 'utf8' });
      expect(cpp.status).toBe(0);
      const macros = cpp.stdout
        .split('\n')
        .map((l) => /^#define ([A-Za-z_][A-Za-z0-9_]*) /.exec(l)?.[1])
        .filter((n): n is string => n !== undefined && PREFIXES.test(n));
      expect(macros.length).toBeGreaterThan(400);
      const ours = new Set(ABI_MODULES.flatMap((m) => Object.keys(m)));
      const missing = macros.filter((n) => !ours.has(n) && !OMITTED.some(([re]) => re.test(n)));
      expect(missing.sort()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
