// The initial tree seen from the guest, checked against what reference/pv-guest-requirements.md
// §4.1 says GRUB and Linux 6.1 read, write and watch at boot.
import { describe, it, expect } from 'vitest';
import { XenStore, xsString, type XsError } from '../../../src/xen/xenstore/store.ts';
import { writeInitialTree } from '../../../src/xen/xenstore/initial_tree.ts';

function boot(extra: Partial<Parameters<typeof writeInitialTree>[2]> = {}) {
  const store = new XenStore();
  const introduced: string[] = [];
  const dom0 = store.connect(0, (p) => introduced.push(p));
  store.watch(dom0, '@introduceDomain', 'i');
  introduced.length = 0;
  writeInitialTree(store, dom0, { domid: 1, name: 'guest', vcpus: 2, storeRingRef: 0xfeff9, storePort: 2, console: { ringRef: 0xfeff8, port: 1 }, ...extra });
  const guest = store.connect(1, () => {});
  const read = (p: string) => xsString(store.read(guest, 0, p));
  const err = (f: () => unknown) => {
    try {
      f();
      return 'OK';
    } catch (e) {
      return (e as XsError).code;
    }
  };
  return { store, dom0, guest, read, err, introduced };
}

describe('initial xenstore tree for domain 1', () => {
  it('has the nodes guests read, readable by the guest', () => {
    const { read } = boot();
    expect(read('domid')).toBe('1');
    expect(read('name')).toBe('guest');
    expect(read('control/platform-feature-xs_reset_watches')).toBe('1');
    expect(read('store/port')).toBe('2');
    expect(read('store/ring-ref')).toBe(String(0xfeff9));
    expect(read('console/ring-ref')).toBe(String(0xfeff8));
    expect(read('cpu/0/availability')).toBe('online');
    expect(read('cpu/1/availability')).toBe('online');
    expect(read('device')).toBe('');
  });

  it('lets the guest write where Linux writes (control/feature-*, device/…, data, error) and nowhere else', () => {
    const { store, guest, err } = boot();
    expect(err(() => store.write(guest, 0, 'control/feature-poweroff', '1'))).toBe('OK');
    expect(err(() => store.write(guest, 0, 'control/shutdown', ''))).toBe('OK');
    expect(err(() => store.write(guest, 0, 'device/vbd/51712/state', '3'))).toBe('OK');
    expect(err(() => store.write(guest, 0, 'error/device/vbd/51712/error', 'x'))).toBe('OK');
    expect(err(() => store.write(guest, 0, 'data/updated', 'x'))).toBe('OK');
    expect(err(() => store.write(guest, 0, 'name', 'evil'))).toBe('EACCES');
    expect(err(() => store.write(guest, 0, 'store/port', '9'))).toBe('EACCES');
    expect(err(() => store.write(guest, 0, 'newnode', 'x'))).toBe('EACCES');
    expect(err(() => store.rm(guest, 0, 'control'))).toBe('EACCES');
    expect(err(() => store.read(guest, 0, '/local/domain/0'))).toBe('EACCES');
  });

  it('omits memory/target unless asked (the balloon driver would act on it)', () => {
    const { store, guest, err } = boot();
    expect(err(() => store.read(guest, 0, 'memory/target'))).toBe('ENOENT');
    const b = boot({ memoryKiB: 262144, uuid: '00000000-0000-0000-0000-000000000001' });
    expect(b.read('memory/target')).toBe('262144');
    expect(b.read('vm')).toBe('/vm/00000000-0000-0000-0000-000000000001');
  });

  it('introduces the domain (fires @introduceDomain for dom0 watchers)', () => {
    const { store, introduced } = boot();
    expect(store.isDomainIntroduced(1)).toBe(true);
    expect(introduced).toEqual(['@introduceDomain']);
  });

  it('creates no node the guest owns except the ones it must write into', () => {
    const { store } = boot();
    const owned = store.dump().filter((n) => n.perms[0] === 'n1').map((n) => n.path.replace('/local/domain/1/', ''));
    expect(owned.sort()).toEqual(
      ['attr', 'data', 'device', 'drivers', 'error', 'feature', 'control/shutdown', 'control/sysrq', 'control/feature-poweroff', 'control/feature-reboot', 'control/feature-suspend', 'control/feature-s3', 'control/feature-s4'].sort(),
    );
  });
});
