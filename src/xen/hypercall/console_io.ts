// __HYPERVISOR_console_io (xen.h CONSOLEIO_*; xen/drivers/char/console.c do_console_io).
// Writes go to the host's hypervisor-log channel (stderr in the CLI), never the guest console
// chardev; reads return the typed bytes available (0 if none, never blocking, as Xen's
// serial_rx ring): from a guest's first CONSOLEIO_read on, the host's console input is routed
// here instead of the console ring. count is unsigned; writes are chunked as Xen does.
import { XEN_EFAULT, XEN_ENOSYS } from '../abi/errno.ts';
import { CONSOLEIO_read, CONSOLEIO_write } from '../abi/xen.ts';
import type { Hypercall } from '../hypercall.ts';
import type { XenDomain } from '../xen_domain.ts';

const CHUNK = 128;

export function consoleIo(d: XenDomain, h: Hypercall): number {
  const cmd = h.lo[0]!;
  const count = h.lo[1]! >>> 0;
  const buf = h.a[2]!;
  switch (cmd) {
    case CONSOLEIO_write: {
      for (let done = 0; done < count; done += CHUNK) {
        const n = Math.min(CHUNK, count - done);
        const b = h.g.read(buf + done, n);
        if (!b) return -XEN_EFAULT;
        if (d.trace.on) d.trace.emit('xen_console_io', h.vcpu, { len: n });
        d.host.consoleIoOut(b);
      }
      return 0;
    }
    case CONSOLEIO_read: {
      if (!d.consoleIoReader) {
        // From the first read on, host input comes here; bytes typed before it are not lost.
        d.consoleIoReader = true;
        d.consoleIoIn.push(...(d.console?.takePending() ?? []));
      }
      const n = Math.min(count, d.consoleIoIn.length);
      if (n === 0) return 0;
      if (!h.g.write(buf, Uint8Array.from(d.consoleIoIn.slice(0, n)))) return -XEN_EFAULT;
      d.consoleIoIn.splice(0, n);
      return n;
    }
    default:
      return -XEN_ENOSYS;
  }
}
