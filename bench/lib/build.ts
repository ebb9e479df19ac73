/**
 * Compiles the project and the benches into .bench-out/build, so the measured processes run
 * JavaScript under plain node, as `agentic-campaign` runs in production: tsx's loader alone holds
 * about 60 MB more, which is the harness's cost, not the server's.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Compiles (once per call) and returns the path of the compiled bench file (e.g. 'dispatch.js'), under .bench-out/build/bench/. */
export function compileProject(benchFile: string): string {
  const outDir = join(ROOT, '.bench-out', 'build');
  const tsconfig = join(ROOT, '.bench-out', 'tsconfig.bench.json');
  mkdirSync(dirname(tsconfig), { recursive: true });
  rmSync(outDir, { recursive: true, force: true });
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: '../tsconfig.json',
      compilerOptions: { noEmit: false, outDir: './build', rootDir: '..', incremental: false },
      include: ['../src', '../tools', '../resources', '../prompts', '../bench'],
    }),
  );
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig], { stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error(`compiling the project for the bench's child processes failed (tsc exit ${tsc.status ?? tsc.signal})`);
  return join(outDir, 'bench', benchFile);
}

/** The compiled CLI (agentic-campaign) next to it. */
export const compiledCli = () => join(ROOT, '.bench-out', 'build', 'src', 'cli.js');
