/**
 * `npm run user:create -- --admin <name>` — creates a user (here: the first
 * admin) directly in the database; `--role <viewer|operator|auditor|admin> <name>`
 * for other roles; `--reset-password` sets a new password for an existing user
 * (and re-enables it) — the way back in for a locked-out admin.
 *
 * The password is never a default and never an argument (shell history):
 * - SAGASCOPE_USER_PASSWORD in the environment (scripts), or
 * - `--password-stdin`: the first line of standard input, or
 * - typed at a prompt (twice, not echoed) when stdin is a terminal.
 *
 * Uses DATABASE_URL, or the embedded database in SAGASCOPE_DATA_DIR — stop
 * `npm start` first in that case (the embedded database belongs to one process),
 * or use the setup token it prints instead.
 */
import os from 'node:os';
import { loadConfig, ConfigError } from '../lib/config/env';
import { openMigratedDb } from '../lib/db/setup';
import { upsertUserFromCli } from '../lib/auth/accounts';
import { passwordSchema, userNameSchema } from '../lib/auth/schemas';
import { roleSchema, type Role } from '../lib/auth/roles';

const USAGE = `usage: npm run user:create -- --admin <name>
       npm run user:create -- --role <viewer|operator|auditor|admin> <name>
options: --password-stdin   read the password from the first line of stdin
         --reset-password   the user exists: set a new password (and role), enable it
environment: SAGASCOPE_USER_PASSWORD  the password (for scripts)`;

class UsageError extends Error {}

interface Args {
  name: string;
  role: Role;
  passwordStdin: boolean;
  resetPassword: boolean;
}

function parseArgs(argv: string[]): Args {
  let name: string | undefined;
  let role: string | undefined;
  let passwordStdin = false;
  let resetPassword = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--admin') {
      role = 'admin';
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) name = argv[++i];
    } else if (a === '--role') role = argv[++i];
    else if (a.startsWith('--role=')) role = a.slice('--role='.length);
    else if (a === '--password-stdin') passwordStdin = true;
    else if (a === '--reset-password') resetPassword = true;
    else if (a === '--password' || a.startsWith('--password=')) throw new UsageError('passwords are not taken as arguments: use SAGASCOPE_USER_PASSWORD, --password-stdin or the prompt');
    else if (!a.startsWith('-') && name === undefined) name = a;
    else throw new UsageError(`unknown argument: ${a}`);
  }
  if (!role) throw new UsageError('say which role: --admin, or --role <role>');
  const r = roleSchema.safeParse(role);
  if (!r.success) throw new UsageError(`unknown role ${role}`);
  const n = userNameSchema.safeParse(name ?? '');
  if (!n.success) throw new UsageError(name ? n.error.issues[0]!.message : 'give the user name');
  return { name: n.data, role: r.data, passwordStdin, resetPassword };
}

async function readLineFromStdin(): Promise<string> {
  let data = '';
  for await (const chunk of process.stdin) {
    data += String(chunk);
    const nl = data.indexOf('\n');
    if (nl !== -1) return data.slice(0, nl).replace(/\r$/, '');
    if (data.length > 4096) break;
  }
  return data.replace(/\r?\n$/, '');
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (s: string) => {
      for (const c of s) {
        if (c === '\r' || c === '\n') return done();
        if (c === '\u0003') return done(new UsageError('cancelled'));
        if (c === '\u007f' || c === '\b') value = value.slice(0, -1);
        else if (value.length < 4096) value += c;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPassword(args: Args): Promise<string> {
  const fromEnv = process.env.SAGASCOPE_USER_PASSWORD;
  let password: string;
  if (fromEnv !== undefined && fromEnv !== '') password = fromEnv;
  else if (args.passwordStdin) password = await readLineFromStdin();
  else if (process.stdin.isTTY) {
    password = await promptHidden(`Password for ${args.name}: `);
    const again = await promptHidden('Again: ');
    if (again !== password) throw new UsageError('the two passwords differ');
  } else throw new UsageError('no password: set SAGASCOPE_USER_PASSWORD, pass --password-stdin, or run in a terminal');
  const p = passwordSchema.safeParse(password);
  if (!p.success) throw new UsageError(p.error.issues[0]!.message);
  return p.data;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const password = await readPassword(args);
  const config = loadConfig();
  const db = await openMigratedDb(config);
  try {
    const actor = { actor: `cli:${os.userInfo().username}`, role: 'system', via: 'cli' };
    const result = await upsertUserFromCli(db, actor, { name: args.name, role: args.role, password, resetPassword: args.resetPassword });
    if (!result.ok) {
      console.error(result.error);
      return 1;
    }
    console.log(`${args.resetPassword ? 'Updated' : 'Created'} user ${result.user.name} (${result.user.role}). Sign in at /login.`);
    return 0;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) console.error(`${err.message}\n\n${USAGE}`);
    else if (err instanceof ConfigError) console.error(err.message);
    else console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
