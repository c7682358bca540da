/**
 * The layers of src/ (docs/ARCHITECTURE.md, "Layers"): each directory imports only those below it,
 * type imports included, so server, commands and scripting never import each other in a loop.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The TypeScript sources (this file runs from dist/test/unit). */
const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src');

/** What each directory may import besides itself; anything else is a layering break. */
const ALLOWED: Record<string, readonly string[]> = {
  util: [],
  protocol: ['util'],
  engine: ['util'],
  persistence: ['engine', 'util'],
  scripting: ['protocol', 'util'],
  server: ['scripting', 'persistence', 'engine', 'protocol', 'util'],
  commands: ['server', 'scripting', 'persistence', 'engine', 'protocol', 'util'],
  // The handle's typed methods are built from the command table (ALL_COMMANDS).
  embedded: ['cinder.ts', 'commands', 'server', 'protocol', 'util'],
  bin: ['cinder.ts', 'server', 'util'],
  'cinder.ts': ['commands', 'server'],
  'index.ts': ['cinder.ts', 'embedded', 'server'],
  // Patterns over any Redis client (the package's ./toolkit exports); the embedded handle is one
  // of those clients (its types, and open() for an in-process subscriber).
  toolkit: ['embedded'],
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    // Declaration files (src/types: ambient typings) hold no imports between layers.
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** The top-level part of src/ a file belongs to (a directory, or a file directly in src/). */
function layerOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0];
}

/** Every relative import or re-export of a file, `import type` included. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'/gms)) {
    found.push(path.resolve(path.dirname(file), m[1].replace(/\.js$/, '.ts')));
  }
  return found;
}

describe('layering', { skip: !fs.existsSync(SRC) && 'sources not present' }, () => {
  it('each part of src/ imports only the layers below it', () => {
    const breaks: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const from = layerOf(file);
      const allowed = ALLOWED[from];
      assert.ok(allowed !== undefined, `${from} is not in the layer table: add it to ALLOWED and to docs/ARCHITECTURE.md`);
      for (const target of importsOf(file)) {
        const to = layerOf(target);
        if (to !== from && !allowed.includes(to)) breaks.push(`${path.relative(SRC, file)} imports ${path.relative(SRC, target)}`);
      }
    }
    assert.deepEqual(breaks, []);
  });

  it('the layer table itself has no cycle', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (layer: string, trail: string[]): void => {
      if (done.has(layer)) return;
      assert.ok(!visiting.has(layer), `cycle: ${[...trail, layer].join(' -> ')}`);
      visiting.add(layer);
      for (const next of ALLOWED[layer] ?? []) visit(next, [...trail, layer]);
      visiting.delete(layer);
      done.add(layer);
    };
    for (const layer of Object.keys(ALLOWED)) visit(layer, []);
  });
});
