// `npm start`: the main job. Builds the page, serves it on localhost and prints its URL; the
// visitor picks a demo in the gallery. Also says how to boot the same demo in the terminal.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const port = process.env.PORT ?? '4173';
const say = (s: string): boolean => process.stderr.write(`start: ${s}\n`);

if (!existsSync('.cache/images/manifest.json')) say('guest images are missing: run `npm run images` (or `bash tools/setup.sh`) first; demos that need them will say so');
say('building the page (vite build)');
const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const preview = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', port, '--strictPort'], { stdio: ['ignore', 'pipe', 'inherit'] });
preview.stdout.on('data', (d: Buffer) => {
  if (/Local:/.test(d.toString())) {
    process.stdout.write(
      `\nxentab is served at http://127.0.0.1:${port}/ — open it and pick a demo (GRUB PVH boots to grub>).\n` +
        `To boot the same demo in this terminal instead: npm run demo   (Ctrl-A x quits)\n` +
        `Stop the server with Ctrl-C.\n`,
    );
  }
});
preview.on('exit', (code) => process.exit(code ?? 0));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => preview.kill(sig));
