/**
 * `npm run bench:before-after -- --base <dir> [--rounds 2] [--base-env K=V …] <script>`: one
 * benchmark script run in two checkouts in turn (base, this, this, base, …: the
 * order alternates per round, so a drift of the machine's speed does not favour
 * either), on the same machine in one call. Each run's output is kept under
 * .data/before-after/. Then every figure line that both checkouts print (the
 * line with its numbers blanked out is the same) is shown with the median of
 * each number per side and the ratio this / base. For a time, a ratio of 1.05
 * means "5 % slower"; the issue-17 rule "no worse than 0.95×" is a ratio of
 * times ≤ 1 / 0.95 ≈ 1.053.
 *
 * The base checkout must be ready to run the script (`npm ci`, `npx prisma
 * generate`, `npm run build` where the script starts the UI), e.g.
 *   git worktree add ../before <commit> && cp -al node_modules ../before/ && …
 * Environment variables pass to both runs unchanged (BENCH_* settings, DATABASE_URL).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const Args = z.object({
  base: z.string().min(1),
  /** KEY=VALUE settings for the base checkout's runs only (e.g. its own DATABASE_URL when the schemas differ). */
  baseEnv: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*=/, 'KEY=VALUE')).default([]),
  rounds: z.coerce.number().int().min(1).max(10).default(2),
  script: z.string().regex(/^bench:[\w:-]+$/, 'a bench:* npm script'),
});

function parseArgs(argv: string[]): z.infer<typeof Args> {
  const raw: Record<string, unknown> = { baseEnv: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--base' || a === '--rounds') raw[a.slice(2)] = argv[++i] ?? '';
    else if (a === '--base-env') (raw.baseEnv as string[]).push(argv[++i] ?? '');
    else raw.script = a;
  }
  return Args.parse(raw);
}

/** Runs `npm run <script>` in `cwd`, echoing and keeping its output. */
function runScript(cwd: string, script: string, logFile: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = fs.createWriteStream(logFile);
    let text = '';
    const take = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      out.write(chunk);
      process.stdout.write(chunk);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => {
      out.end();
      // A benchmark that misses its own target exits non-zero; its figures still count.
      if (code !== 0) console.log(`\n(${script} in ${cwd} exited ${code}; its output is compared all the same: ${logFile})`);
      if (code !== 0 && figureLines(text).size === 0) reject(new Error(`${script} in ${cwd} exited ${code} and printed no figures (output: ${logFile})`));
      else resolve(text);
    });
  });
}

const NUMBER = /-?\d+(?:[.,]\d+)*/g;

/** Figure lines: shape (numbers blanked) → the numbers of each occurrence, in order. */
export function figureLines(text: string): Map<string, number[][]> {
  const out = new Map<string, number[][]>();
  for (const line of text.split('\n')) {
    const numbers = line.match(NUMBER);
    if (!numbers || !/[a-z]/i.test(line)) continue;
    const shape = line.replace(NUMBER, '#').replace(/\s+/g, ' ').trim();
    const values = numbers.map((n) => Number(n.replaceAll(',', '')));
    out.set(shape, [...(out.get(shape) ?? []), values]);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Per shape that every run printed once, the median of each number per side and the ratio. */
export function compare(base: string[], head: string[]): { shape: string; base: number[]; head: number[]; ratio: number[] }[] {
  const b = base.map(figureLines);
  const h = head.map(figureLines);
  const rows = [];
  for (const shape of b[0]!.keys()) {
    const all = [...b, ...h].map((m) => m.get(shape));
    if (all.some((v) => v === undefined || v.length !== 1 || v[0]!.length !== all[0]![0]!.length)) continue;
    const med = (side: Map<string, number[][]>[]) => all[0]![0]!.map((_, i) => median(side.map((m) => m.get(shape)![0]![i]!)));
    const [mb, mh] = [med(b), med(h)];
    // A number equal on every run is a setting or a count, not a figure.
    if (mb.every((x, i) => x === mh[i])) continue;
    rows.push({ shape, base: mb, head: mh, ratio: mh.map((x, i) => (mb[i] === 0 ? NaN : x / mb[i]!)) });
  }
  return rows;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const here = process.cwd();
  const base = path.resolve(args.base);
  if (!fs.existsSync(path.join(base, 'package.json'))) throw new Error(`--base ${base}: no package.json`);
  const dir = path.join(here, '.data', 'before-after');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outputs = { base: [] as string[], head: [] as string[] };
  for (let round = 0; round < args.rounds; round++) {
    const order = round % 2 === 0 ? (['base', 'head'] as const) : (['head', 'base'] as const);
    for (const side of order) {
      const cwd = side === 'base' ? base : here;
      const log = path.join(dir, `${args.script.replaceAll(':', '-')}-${stamp}-${side}-${round + 1}.log`);
      console.log(`\n==== round ${round + 1}: ${side} (${cwd}) ====`);
      const env = side === 'base' ? { ...process.env, ...Object.fromEntries(args.baseEnv.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) } : process.env;
      outputs[side].push(await runScript(cwd, args.script, log, env));
    }
  }
  console.log(`\n==== ${args.script}: base ${base} vs this ${here}, ${args.rounds} round(s), medians per side ====`);
  for (const r of compare(outputs.base, outputs.head)) {
    const fmt = (xs: number[]) => xs.map((x) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3))).join(' ');
    console.log(`${r.shape}\n    base ${fmt(r.base)} | this ${fmt(r.head)} | this/base ${r.ratio.map((x) => (Number.isFinite(x) ? x.toFixed(3) : '-')).join(' ')}`);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
