/**
 * Transpiles the records code (shared/records, shared/adapters, shared/errors, migrations) to plain ESM in a
 * temporary folder so that child processes can run it with plain `node` (Node 20 cannot run
 * TypeScript). Types are not checked here: tsc does that for the repository.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FOLDERS = ['shared/records', 'shared/adapters', 'shared/errors', 'migrations'];

/** Writes the transpiled tree under `outDir` (with a node_modules link) and returns outDir. */
export function transpileRecords(outDir: string): string {
  for (const folder of FOLDERS) {
    mkdirSync(join(outDir, folder), { recursive: true });
    for (const file of readdirSync(join(ROOT, folder))) {
      if (!file.endsWith('.ts') || file.endsWith('.d.ts') || file.endsWith('.test.ts')) continue;
      const source = readFileSync(join(ROOT, folder, file), 'utf8');
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
        },
        fileName: file,
      });
      writeFileSync(join(outDir, folder, file.replace(/\.ts$/, '.js')), outputText);
    }
  }
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(ROOT, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  return outDir;
}
