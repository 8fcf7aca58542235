// The page: loads the demo manifest, starts the machine worker, and wires the gallery, the
// console tabs, the toolbar, the status bar, the trace panel and the disk panel to the worker
// protocol. The URL fragment chooses what boots: `#demo=<id>` a demo of the gallery, `#v1.…` a
// share link (machine, images by sha256, typed input), which "Copy link" makes for the running
// machine. `window.__xentab` is the hook the e2e tests read.
import type { Demo, DemoManifest, MachineInfo, MachineSpec, Status } from '../worker/protocol.ts';
import { imageNameFor, loadAttached, saveAttached, withAttachedDisks, type AttachedDisk } from './attached_disks.ts';
import { ConsoleTabs } from './console_tabs.ts';
import { DiskPanel } from './disk_panel.ts';
import { Gallery } from './gallery.ts';
import { ProgressView } from './progress_view.ts';
import { StatusBar } from './status_bar.ts';
import { TracePanel } from './trace_panel.ts';
import { WorkerClient } from './worker_client.ts';

interface TestHook {
  demos: string[];
  /** Set once the gallery is rendered. */
  ready: boolean;
  status: Status | null;
  machine: MachineInfo | null;
  consoles(): string[];
  consoleText(id: string): string | null;
  errors: string[];
  /** The last link "Copy link" made. */
  lastLink: string | null;
}

declare global {
  interface Window {
    __xentab: TestHook;
  }
}

const $ = <T extends HTMLElement>(sel: string): T => document.querySelector<T>(sel)!;

const hook: TestHook = { demos: [], ready: false, status: null, machine: null, consoles: () => [], consoleText: () => null, errors: [], lastLink: null };
window.__xentab = hook;

const notice = $('#notice');
function say(text: string, alert = false): void {
  notice.textContent = text;
  notice.setAttribute('role', alert ? 'alert' : 'status');
  if (alert) hook.errors.push(text);
}

const client = new WorkerClient((m) => say(m, true));
const api = client.api;
const tabs = new ConsoleTabs($('#consoles'), (id, bytes) => void api.sendInput(id, bytes));
hook.consoles = () => tabs.consoles();
hook.consoleText = (id) => tabs.text(id);
const statusBar = new StatusBar($('#status'));
const progress = new ProgressView($('#progress'));
const disks = new DiskPanel($('#disk-panel'), $('#consoles'), {
  reset: async () => {
    const info = await api.resetDisks();
    tabs.setConsoles(info.consoles, current?.console);
    if (!current?.spec.config.startPaused) await api.start();
  },
  exportDisk: (drive) => api.exportDisk(drive),
  attach: async (file) => {
    if (!current) throw new Error('no machine');
    const ref = await api.importDisk(file, imageNameFor(file.name));
    const disks = [...current.attached, { name: ref.name, sha256: ref.sha256, size: ref.size }];
    const boot = bootSpec(current.title, current.spec, current.console, '', current.key, disks);
    await boot;
    const d = current.drives.get(disks.length - 1);
    if (d === undefined) throw new Error(notice.textContent ?? 'the machine did not boot');
    return d.vdev;
  },
  detach: async (drive) => {
    if (!current) return;
    const at = [...current.drives].find(([, d]) => d.drive === drive)?.[0];
    if (at === undefined) throw new Error(`${drive} was not attached here`);
    await bootSpec(current.title, current.spec, current.console, '', current.key, current.attached.filter((_, i) => i !== at));
  },
});
const trace = new TracePanel($('#trace-panel'), $<HTMLInputElement>('#step-count'), {
  setFilter: (f) => void api.setTraceFilter(f),
  step: (n) => void api.step(n).then(showStatus),
  resume: () => void api.start(),
});

const runButton = $<HTMLButtonElement>('#run');
const resetButton = $<HTMLButtonElement>('#reset');
const linkButton = $<HTMLButtonElement>('#copy-link');
const stepButton = $<HTMLButtonElement>('#step');
const traceStepButton = $<HTMLButtonElement>('#trace-step');
const traceResumeButton = $<HTMLButtonElement>('#trace-resume');
/**
 * What is booted: its title, its spec (without attached disks), the console to show first, where
 * its attached disks are remembered (a demo id; null: not kept across reloads), those disks, and
 * the drive each of them became (by position in `attached`).
 */
let current: {
  title: string;
  spec: MachineSpec;
  console: string | undefined;
  key: string | null;
  attached: AttachedDisk[];
  drives: Map<number, { drive: string; vdev: string }>;
} | null = null;

let lastReplay: Status['replay'] = null;

function showStatus(s: Status): void {
  hook.status = s;
  statusBar.update(s);
  const live = s.state === 'running' || s.state === 'halted';
  runButton.disabled = !(live || s.state === 'paused');
  runButton.textContent = live ? 'Pause' : 'Run';
  runButton.setAttribute('aria-pressed', String(live));
  resetButton.disabled = s.state === 'empty' || s.state === 'loading';
  // Stepping is for a paused machine; the worker ignores it otherwise.
  stepButton.disabled = s.state !== 'paused';
  traceStepButton.disabled = s.state !== 'paused';
  traceResumeButton.disabled = s.state !== 'paused';
  if (s.message && (s.state === 'crashed' || s.state === 'exited' || s.state === 'paused')) say(s.message, s.state === 'crashed');
  // A shared link's replay ended: say whether it reproduced the recording.
  if (s.replay !== lastReplay) {
    lastReplay = s.replay;
    if (s.replay === 'replaying') say('Replaying the recorded run of this link…');
    else if (s.replay !== null && s.message) say(s.message, s.replay === 'diverged');
  }
  disks.setUnsaved(s.unsavedChunks);
}

client.listen({
  frame(frames) {
    let last: Status | null = null;
    for (const f of frames) {
      for (const c of f.consoles) tabs.write(c.console, c.bytes);
      trace.add(f.trace, f.traceDropped);
      if (f.status) last = f.status;
    }
    if (last) showStatus(last);
  },
  progress: (p) => progress.update(p),
});

function boot(demo: Demo): Promise<void> {
  history.replaceState(null, '', `#demo=${encodeURIComponent(demo.id)}`);
  const hint = demo.try ? ` Try typing: ${JSON.stringify(demo.try.type.trim())}` : '';
  const key = `demo:${demo.id}`;
  return bootSpec(demo.title, { config: demo.config, images: demo.images }, demo.console, hint, key, loadAttached(localStorage, key));
}

async function bootSpec(title: string, spec: MachineSpec, firstConsole: string | undefined, hint = '', key: string | null = null, attached: AttachedDisk[] = []): Promise<void> {
  current = { title, spec, console: firstConsole, key, attached, drives: new Map() };
  if (key !== null) saveAttached(localStorage, key, attached);
  progress.clear();
  say(`Loading ${title}…`);
  try {
    const full = withAttachedDisks(spec, attached);
    // Image URLs are relative to the page; the worker's own URL is elsewhere (assets/).
    const images = full.images.map((i) => ({ ...i, url: i.url && new URL(i.url, location.href).href }));
    const info = await api.create({ ...full, images });
    hook.machine = info;
    progress.verified();
    tabs.setConsoles(info.consoles, firstConsole);
    trace.reset(info.traceSource);
    void api.setTraceFilter(trace.filter());
    // The attached disks are the drives after the spec's own, in order.
    const all = await api.disks();
    const own = new Set(spec.config.drives.map((d) => d.id));
    all.filter((d) => !own.has(d.drive)).forEach((d, i) => current!.drives.set(i, { drive: d.drive, vdev: d.vdev }));
    disks.setDisks(all, new Set([...current.drives.values()].map((d) => d.drive)));
    say(`${title}: booted (${info.bootKind}).${hint}`);
    if (!spec.config.startPaused) await api.start();
    else say(`${title}: booted paused (-S); press Run or Step.`);
    tabs.focus();
  } catch (e) {
    say(`${title} did not start: ${e instanceof Error ? e.message : String(e)}`, true);
    // An attached disk may be what failed (its image gone from this browser's storage): list them
    // so they can be removed.
    if (attached.length > 0 && current) {
      const listed = attached.map((a, i) => ({ drive: `attached-${i}`, vdev: `disk ${i + 1}`, image: a.name, bytes: a.size, keep: 'persistent' as const }));
      listed.forEach((d, i) => current!.drives.set(i, { drive: d.drive, vdev: d.vdev }));
      disks.setDisks(listed, new Set(listed.map((d) => d.drive)));
    }
  } finally {
    void disks.refreshUsage();
  }
}

runButton.addEventListener('click', () => {
  if (hook.status?.state === 'running' || hook.status?.state === 'halted') void api.pause();
  else void api.start();
});
resetButton.addEventListener('click', () => {
  if (!current) return;
  void api.reset().then((info) => {
    tabs.setConsoles(info.consoles, current?.console);
    if (!current?.spec.config.startPaused) return api.start();
  });
});
stepButton.addEventListener('click', () => {
  const n = Number($<HTMLInputElement>('#step-count').value);
  void api.step(Number.isSafeInteger(n) && n > 0 ? n : 1).then(showStatus);
});
linkButton.addEventListener('click', () => {
  const page = `${location.origin}${location.pathname}`;
  const made = current ? api.makeLink() : Promise.resolve('');
  void made.then(
    (fragment) => {
      const url = page + fragment;
      hook.lastLink = url;
      // No clipboard outside secure contexts (plain http on a LAN): show the link instead.
      if (!navigator.clipboard) return say(`Copy this link: ${url}`);
      return navigator.clipboard.writeText(url).then(
        () => say(`Link copied (${url.length} characters): it boots this machine and types what you typed.`),
        () => say(`Copy this link: ${url}`),
      );
    },
    (e: unknown) => say(`No link: ${e instanceof Error ? e.message : String(e)}`, true),
  );
});

// Nothing lost: writeback-cache disks commit what they hold when the tab is hidden (the last
// moment a mobile browser guarantees) or unloaded. The "unsaved" note in the disk panel shows
// when written chunks are still only in memory.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') void api.flushDisks().catch(() => undefined);
});
window.addEventListener('pagehide', () => void api.flushDisks().catch(() => undefined));

async function main(): Promise<void> {
  const res = await fetch('demos.json');
  const manifest = (await res.json()) as DemoManifest;
  if (manifest.format !== 'xentab-demos/1') throw new Error(`demos.json: unknown format ${String(manifest.format)}`);
  const whyNot = new Map<string, string | null>();
  await Promise.all(manifest.demos.map(async (d) => whyNot.set(d.id, await api.whyNot(d.config))));
  new Gallery($('#demos'), (d) => void boot(d)).render(manifest.demos, whyNot);
  trace.setHypercalls(await api.hypercallNames());
  showStatus(await api.counters());
  hook.demos = manifest.demos.map((d) => d.id);
  hook.ready = true;
  if (location.hash.startsWith('#v1.')) {
    let spec: MachineSpec;
    try {
      spec = await api.openLink(location.hash);
    } catch (e) {
      say(`This link cannot be opened, so nothing was run: ${e instanceof Error ? e.message : String(e)}`, true);
      return;
    }
    await bootSpec(spec.config.name ?? 'Shared machine', spec, undefined);
    return;
  }
  const wanted = /^#demo=([\w.-]+)$/.exec(location.hash)?.[1];
  const demo = manifest.demos.find((d) => d.id === wanted);
  if (location.hash.length > 1 && !demo) say(`There is no demo called ${wanted ?? location.hash.slice(1)}.`, true);
  if (demo) await boot(demo);
}

main().catch((e: unknown) => say(`The page could not start: ${e instanceof Error ? e.message : String(e)}`, true));
