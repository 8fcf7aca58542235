// -drive and -snapshot (qemu-options.hx "-drive"; drive ids as QEMU's drive_new makes them).
import type { DriveConfig } from '../machine/config.ts';
import { fileRef, isWellFormedId, madeBy, newReader } from './parse_state.ts';
import type { ParseState } from './parse_state.ts';
import type { OptsReader } from './qemu_opts.ts';

const INTERFACES = ['xen', 'ide', 'none'] as const;
const UNSUPPORTED_INTERFACES = ['scsi', 'floppy', 'pflash', 'mtd', 'sd', 'virtio'];
const UNSUPPORTED_FORMATS = ['qcow2', 'qcow', 'vmdk', 'vdi', 'vhdx', 'vpc', 'qed', 'luks', 'dmg', 'parallels', 'bochs', 'cloop'];
/** Two IDE buses of two units each on the pc machine. */
const IDE_MAX_INDEX = 3;
const XEN_MAX_INDEX = 25;

export function optDrive(s: ParseState, value: string, where: string): void {
  const r: OptsReader = newReader(s, where, value, null);
  if (r.helpWanted) {
    s.output =
      'xentab -drive parameters:\n  file=PATH  if=xen|ide|none  id=NAME  index=N  media=disk|cdrom  format=raw\n' +
      '  readonly=on|off  snapshot=on|off  file.locking=on|off|auto  cache=writeback|writethrough|none|directsync|unsafe\n';
    return;
  }
  const iface = r.string('if') ?? 'ide';
  if (UNSUPPORTED_INTERFACES.includes(iface)) r.fail(`interface if=${iface} is valid in QEMU but not supported yet by xentab (supported: ${INTERFACES.join(', ')})`);
  if (!(INTERFACES as readonly string[]).includes(iface)) r.fail(`unsupported bus type '${iface}'`);
  const media = r.choice('media', 'disk', ['disk', 'cdrom'] as const);
  const file = r.string('file');
  if ((file === undefined || file === '') && media === 'disk') r.fail("parameter 'file' is missing (a disk needs an image)");
  const format = r.string('format') ?? 'raw';
  if (UNSUPPORTED_FORMATS.includes(format)) r.fail(`image format '${format}' is valid in QEMU but not supported yet by xentab (only raw)`);
  if (format !== 'raw') r.fail(`unknown driver '${format}' (only raw)`);
  const maxIndex = iface === 'ide' ? IDE_MAX_INDEX : XEN_MAX_INDEX;
  const explicitIndex = r.optionalUint('index', 0, maxIndex);
  const id = r.string('id');
  if (id !== undefined && !isWellFormedId(id)) r.fail(`parameter 'id' expects an identifier, not '${id}'`);
  const drive: DriveConfig = {
    id: '',
    file: file ? fileRef(s, file, where) : null,
    interface: iface as DriveConfig['interface'],
    index: explicitIndex,
    media,
    format: 'raw',
    readOnly: r.bool('readonly', media === 'cdrom'),
    snapshot: r.bool('snapshot', false),
    fileLocking: r.choice('file.locking', 'auto', ['on', 'off', 'auto'] as const),
    cache: r.choice('cache', 'writeback', ['writeback', 'writethrough', 'none', 'directsync', 'unsafe'] as const),
  };
  r.done(['aio', 'discard', 'detect-zeroes', 'werror', 'rerror', 'bus', 'unit', 'serial', 'copy-on-read', 'driver', 'node-name', 'auto-read-only', 'force-share']);
  if (media === 'cdrom' && iface !== 'ide' && iface !== 'none') r.fail(`media=cdrom needs if=ide`);

  if (iface !== 'none') {
    const taken = new Set(s.config.drives.filter((d) => d.interface === iface).map((d) => d.index));
    let index = explicitIndex;
    if (index === null) {
      index = 0;
      while (taken.has(index)) index++;
      if (index > maxIndex) r.fail(`too many if=${iface} drives (at most ${maxIndex + 1})`);
    } else if (taken.has(index)) {
      r.fail(`drive with bus=${iface === 'ide' ? index >> 1 : 0}, unit=${iface === 'ide' ? index & 1 : index} (index=${index}) exists`);
    }
    drive.index = index;
  }
  drive.id = id ?? defaultDriveId(s, drive);
  if (s.config.drives.some((d) => d.id === drive.id)) r.fail(`duplicate ID '${drive.id}' for drive`);
  s.config.drives.push(madeBy(s, drive, where));
}

function defaultDriveId(s: ParseState, d: DriveConfig): string {
  if (d.interface === 'ide') return `ide${d.index! >> 1}-${d.media === 'cdrom' ? 'cd' : 'hd'}${d.index! & 1}`;
  if (d.interface === 'xen') return `xen${d.media === 'cdrom' ? '-cd' : ''}${d.index}`;
  let n = 0;
  while (s.config.drives.some((x) => x.id === `none${n}`)) n++;
  return `none${n}`;
}

export function optSnapshot(s: ParseState): void {
  s.snapshotAll = true;
}
