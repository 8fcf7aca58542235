// Disks a visitor attached to a demo by dropping (or choosing) an image file. The image itself is
// cached by the worker like a downloaded one (IndexedDB chunks under its sha256); this module
// only remembers which images belong to which demo (localStorage, a few bytes per disk) and
// adds them to the demo's machine config as Xen PV disks, the way `-drive file=NAME,if=xen`
// would: the next `xenN` drive id and the first free `xvdX` name. A running machine cannot
// take a new disk (there is no PV hot-plug yet), so attaching or removing one reboots it.
import type { ImageRef, MachineConfig, MachineSpec } from '../worker/protocol.ts';

type DriveConfig = MachineConfig['drives'][number];

export interface AttachedDisk {
  /** The image name (from the file name, made safe; unique within the spec). */
  name: string;
  sha256: string;
  size: number;
}

const STORAGE_PREFIX = 'xentab.attached.';
/** What a share link's image name may be (share_link.ts IMAGE_NAME). */
const NAME_OK = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

/** A safe image name for a dropped file: letters, digits and . _ + -, starting with a letter or digit. */
export function imageNameFor(fileName: string): string {
  const s = fileName.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 96);
  return s === '' ? 'disk.img' : s;
}

/** `xvd` + spreadsheet letters for disk index n (0 → a, 25 → z, 26 → aa). */
function vdevName(n: number): string {
  let s = '';
  for (let k = n + 1; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(97 + ((k - 1) % 26)) + s;
  return `xvd${s}`;
}

/** The spec with each disk added as a writable PV disk (cache=writeback, as QEMU's default). */
export function withAttachedDisks(spec: MachineSpec, disks: readonly AttachedDisk[]): MachineSpec {
  if (disks.length === 0) return spec;
  const config = structuredClone(spec.config);
  const images: ImageRef[] = spec.images.map((i) => ({ ...i }));
  for (const d of disks) {
    let name = d.name;
    for (let k = 2; images.some((i) => i.name === name); k++) name = `${k}-${d.name}`.slice(0, 128);
    const usedVdevs = new Set(config.devices.flatMap((x) => (x.driver === 'xen-disk' ? [x.vdev] : [])));
    let v = 0;
    while (usedVdevs.has(vdevName(v))) v++;
    const xenIndexes = config.drives.filter((x) => x.interface === 'xen').map((x) => x.index ?? 0);
    const index = xenIndexes.length === 0 ? 0 : Math.max(...xenIndexes) + 1;
    let id = `xen${index}`;
    for (let k = index + 1; config.drives.some((x) => x.id === id); k++) id = `xen${k}`;
    const drive: DriveConfig = {
      id,
      file: { path: name, resolved: name },
      interface: 'xen',
      index,
      media: 'disk',
      format: 'raw',
      readOnly: false,
      snapshot: false,
      fileLocking: 'auto',
      cache: 'writeback',
    };
    config.drives.push(drive);
    config.devices.push({ driver: 'xen-disk', id: null, drive: id, vdev: vdevName(v) });
    images.push({ role: 'drive', name, size: d.size, sha256: d.sha256, url: '' });
  }
  return { ...spec, config, images };
}

function isAttachedDisk(v: unknown): v is AttachedDisk {
  if (typeof v !== 'object' || v === null) return false;
  const d = v as Record<string, unknown>;
  return typeof d['name'] === 'string' && NAME_OK.test(d['name']) && typeof d['sha256'] === 'string' && /^[0-9a-f]{64}$/.test(d['sha256']) && Number.isSafeInteger(d['size']) && (d['size'] as number) > 0;
}

/** The disks remembered for `key` (a demo id); anything malformed is dropped. */
export function loadAttached(storage: Pick<Storage, 'getItem'>, key: string): AttachedDisk[] {
  try {
    const v: unknown = JSON.parse(storage.getItem(STORAGE_PREFIX + key) ?? '[]');
    return Array.isArray(v) ? v.filter(isAttachedDisk) : [];
  } catch {
    return [];
  }
}

export function saveAttached(storage: Pick<Storage, 'setItem' | 'removeItem'>, key: string, disks: readonly AttachedDisk[]): void {
  if (disks.length === 0) storage.removeItem(STORAGE_PREFIX + key);
  else storage.setItem(STORAGE_PREFIX + key, JSON.stringify(disks));
}
