// The lint rules that keep the layers apart (DESIGN.md §2) and the core deterministic (invariant 1).
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('layering lint', () => {
  it('refuses src/x86 importing src/xen', async () => {
    expect(await ruleIds('src/x86/probe.ts', "import { a } from '../xen/hypercall.ts';\nexport const b = a;\n")).toContain(
      'no-restricted-imports',
    );
  });
  it('refuses packages and Node built-ins in src/machine', async () => {
    expect(await ruleIds('src/machine/probe.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toContain(
      'no-restricted-imports',
    );
  });
  it('lets src/xen import src/machine and src/x86', async () => {
    const code = "import { a } from '../machine/memory.ts';\nimport { b } from '../x86/cpu.ts';\nexport const c = [a, b];\n";
    expect(await ruleIds('src/xen/probe.ts', code)).not.toContain('no-restricted-imports');
  });
  it('lets src/ui import only the worker protocol', async () => {
    expect(await ruleIds('src/ui/probe.ts', "import { p } from '../worker/protocol.ts';\nexport const q = p;\n")).not.toContain(
      'no-restricted-imports',
    );
    expect(await ruleIds('src/ui/probe.ts', "import { p } from '../worker/run_loop.ts';\nexport const q = p;\n")).toContain(
      'no-restricted-imports',
    );
    expect(await ruleIds('src/ui/probe.ts', "import { p } from '../machine/memory.ts';\nexport const q = p;\n")).toContain(
      'no-restricted-imports',
    );
  });
});

describe('determinism lint', () => {
  it.each([
    ['Date.now()', 'no-restricted-globals'],
    ['performance.now()', 'no-restricted-globals'],
    ['setTimeout(() => 0, 1)', 'no-restricted-globals'],
    ['Math.random()', 'no-restricted-properties'],
  ])('refuses %s under src/x86, src/machine and src/xen', async (expr, rule) => {
    for (const dir of ['x86', 'machine', 'xen']) {
      expect(await ruleIds(`src/${dir}/probe.ts`, `export const t = ${expr};\n`)).toContain(rule);
    }
  });
  it('allows host time in src/worker', async () => {
    expect(await ruleIds('src/worker/probe.ts', 'export const t = performance.now();\n')).not.toContain('no-restricted-globals');
  });
});
