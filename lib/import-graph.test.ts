/**
 * The repository's import graph (type-only imports included: they tie files as
 * tightly for a reader, and a circle of them is how the layering once went
 * wrong — lib/actions → the audit store → lib/api/types → lib/actions). Read
 * with the TypeScript compiler's own import scanner, resolved like tsconfig
 * (relative paths and the `@/` alias).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const SKIP_DIRS = new Set(['node_modules', '.next', '.git', '.data', 'generated', 'test-results', 'playwright-report', 'coverage', 'out']);

function sourceFiles(dir = ROOT, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) sourceFiles(path.join(dir, entry.name), out);
    } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path.join(dir, entry.name));
  }
  return out;
}

const SUFFIXES = ['', '.ts', '.tsx', '/index.ts', '/index.tsx'];

function importGraph(): Map<string, string[]> {
  const files = sourceFiles();
  const known = new Set(files);
  const resolve = (from: string, spec: string): string | null => {
    let base: string;
    if (spec.startsWith('@/')) base = path.join(ROOT, spec.slice(2));
    else if (spec.startsWith('.')) base = path.resolve(path.dirname(from), spec);
    else return null;
    for (const s of SUFFIXES) if (known.has(base + s)) return base + s;
    return null;
  };
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles.map((i) => resolve(file, i.fileName)).filter((t): t is string => t !== null);
    graph.set(path.relative(ROOT, file), [...new Set(targets.map((t) => path.relative(ROOT, t)))]);
  }
  return graph;
}

/** Strongly connected components of more than one file (Tarjan), or a file importing itself. */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/**
 * lib/db is the bottom layer: the connection, the text/COPY encoders, migrations
 * and the advisory-lock registry. It imports no domain. The read model's files
 * still in it are listed until they move to their own folder (issue 17, item 1).
 */
const DB_MAY_IMPORT = ['lib/db/', 'lib/config/', 'lib/log.ts'];
const DB_READ_MODEL_PENDING = new Set(['lib/db/index.ts', 'lib/db/read.ts', 'lib/db/to-json.ts', 'lib/db/saga-detail-cache.ts']);

describe('import graph', () => {
  const graph = importGraph();

  it('reads the sources (the walk reached the layers)', () => {
    for (const f of ['lib/db/connection.ts', 'lib/ingest/span-writer.ts', 'app/api/sagas/route.ts']) expect(graph.has(f)).toBe(true);
    expect(graph.get('lib/audit/store.ts')).toContain('lib/db/connection.ts');
  });

  it('finds a circle when there is one', () => {
    expect(circles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
    expect(circles(new Map([['a', ['a']]]))).toEqual([['a']]);
    expect(circles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  it('has no import circles', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('lib/db imports no domain: stores live beside their domain', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      if (!file.startsWith('lib/db/') || file.endsWith('.test.ts') || DB_READ_MODEL_PENDING.has(file)) continue;
      for (const t of targets) if (!DB_MAY_IMPORT.some((p) => t.startsWith(p))) upward.push(`${file} -> ${t}`);
    }
    expect(upward).toEqual([]);
  });
});
