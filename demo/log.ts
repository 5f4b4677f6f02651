/**
 * One JSON line per event on stderr. The demo keeps its own logger instead of
 * the dashboard's (lib/log) so that demo/ stays a self-contained example of a
 * user's services, importing nothing from the product.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const threshold: Level = (process.env.SAGASCOPE_DEMO_LOG_LEVEL as Level) in ORDER ? (process.env.SAGASCOPE_DEMO_LOG_LEVEL as Level) : 'warn';
const service = process.env.SAGASCOPE_DEMO_SERVICE ?? 'fleet';

function write(level: Level, msg: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < ORDER[threshold]) return;
  process.stderr.write(JSON.stringify({ t: new Date().toISOString(), level, service, msg, ...fields }) + '\n');
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write('error', msg, fields),
};
