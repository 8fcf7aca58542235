// The page: index.html + src/ui, the machine in a module worker (src/worker/main.ts).
// Guest images built by `npm run images` (.cache/images/, see tools/images/cache_layout.ts) are
// served under /images/ by the dev server and copied into dist/images/ by the build — only the
// files public/demos.json names, so a demo can fetch them from either.
import { copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const ROOT = dirname(fileURLToPath(import.meta.url));
const IMAGES = resolve(ROOT, '.cache/images');
const URL_PREFIX = 'images/';

/** The image files (relative to .cache/images) that public/demos.json refers to. */
function demoImageFiles(): string[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'public/demos.json'), 'utf8')) as { demos: Array<{ images: Array<{ url: string }> }> };
  const files = new Set<string>();
  for (const d of manifest.demos) for (const i of d.images) if (i.url.startsWith(URL_PREFIX)) files.add(i.url.slice(URL_PREFIX.length));
  return [...files];
}

function guestImages(): Plugin {
  let outDir = 'dist';
  return {
    name: 'xentab-guest-images',
    configResolved(c) {
      outDir = resolve(c.root, c.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use('/images', (req, res, next) => {
        const rel = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!)).replace(/^\/+/, '');
        const file = join(IMAGES, rel);
        if (rel.includes('..') || !existsSync(file) || !statSync(file).isFile()) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Content-Length', statSync(file).size);
        createReadStream(file).pipe(res);
      });
    },
    closeBundle() {
      const missing: string[] = [];
      for (const f of demoImageFiles()) {
        const src = join(IMAGES, f);
        if (!existsSync(src)) {
          missing.push(f);
          continue;
        }
        const dst = join(outDir, 'images', f);
        mkdirSync(dirname(dst), { recursive: true });
        copyFileSync(src, dst);
      }
      if (missing.length) this.warn(`guest images missing (run \`npm run images\`): ${missing.join(', ')}; the demos that need them will say so`);
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [guestImages()],
  worker: { format: 'es' },
  build: { outDir: 'dist', target: 'es2022', emptyOutDir: true },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
