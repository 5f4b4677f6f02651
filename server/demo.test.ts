import { describe, it, expect } from 'vitest';
import { collectorEndpoint, demoBannerLines, prepareDemo, type DemoDecision } from './demo';

const SERVER = 'postgresql://sagascope@db.internal:5432/sagascope';
const ARGV = ['node', 'server/start.ts'];

describe('npm start demo mode: who decides', () => {
  // database × command line × SAGASCOPE_DEMO → runs?, by / reason
  const table: Array<[string, string[], Record<string, string>, Partial<DemoDecision>]> = [
    ['embedded, nothing said', [], {}, { run: true, database: 'embedded', by: 'default' }],
    ['embedded, --demo', ['--demo'], {}, { run: true, by: '--demo' }],
    ['embedded, --no-demo', ['--no-demo'], {}, { run: false, reason: '--no-demo' }],
    ['embedded, SAGASCOPE_DEMO=false', [], { SAGASCOPE_DEMO: 'false' }, { run: false, reason: 'SAGASCOPE_DEMO=false' }],
    ['embedded, SAGASCOPE_DEMO=0', [], { SAGASCOPE_DEMO: '0' }, { run: false, reason: 'SAGASCOPE_DEMO=false' }],
    ['embedded, SAGASCOPE_DEMO=true', [], { SAGASCOPE_DEMO: 'true' }, { run: true, by: 'SAGASCOPE_DEMO=true' }],
    ['server, nothing said: the user\'s database gets no demo', [], { DATABASE_URL: SERVER }, { run: false, database: 'server', by: null, reason: 'DATABASE_URL is set' }],
    ['server, --demo', ['--demo'], { DATABASE_URL: SERVER }, { run: true, database: 'server', by: '--demo' }],
    ['server, SAGASCOPE_DEMO=true', [], { DATABASE_URL: SERVER, SAGASCOPE_DEMO: 'true' }, { run: true, database: 'server', by: 'SAGASCOPE_DEMO=true' }],
    ['server, SAGASCOPE_DEMO=1', [], { DATABASE_URL: SERVER, SAGASCOPE_DEMO: '1' }, { run: true, by: 'SAGASCOPE_DEMO=true' }],
    ['server, --no-demo', ['--no-demo'], { DATABASE_URL: SERVER }, { run: false, reason: '--no-demo' }],
    ['server, --no-demo beats SAGASCOPE_DEMO=true', ['--no-demo'], { DATABASE_URL: SERVER, SAGASCOPE_DEMO: 'true' }, { run: false, reason: '--no-demo' }],
    ['server, --demo beats SAGASCOPE_DEMO=false', ['--demo'], { DATABASE_URL: SERVER, SAGASCOPE_DEMO: 'false' }, { run: true, by: '--demo' }],
    ['server, SAGASCOPE_DEMO=false', [], { DATABASE_URL: SERVER, SAGASCOPE_DEMO: 'false' }, { run: false, reason: 'SAGASCOPE_DEMO=false' }],
    ['server, --demo but the collector runs separately', ['--demo'], { DATABASE_URL: SERVER, SAGASCOPE_START_COLLECTOR: 'false' },
      { run: false, reason: 'the collector runs separately (SAGASCOPE_START_COLLECTOR=false)' }],
  ];

  it.each(table)('%s', (_, args, vars, expected) => {
    const env: Record<string, string | undefined> = { ...vars };
    const d = prepareDemo([...ARGV, ...args], env);
    expect(d).toMatchObject(expected);
    if (d.run) {
      expect(env).toMatchObject({ SAGASCOPE_STUCK_AFTER_MS: '30000', SAGASCOPE_FAILED_GRACE_MS: '10000', SAGASCOPE_ACTION_ALLOWED_HOSTS: '127.0.0.1' });
    } else {
      // Off: no threshold shortened, no host allowed.
      expect(d.thresholds).toEqual([]);
      expect(env).toEqual(vars);
    }
  });

  it('refuses --demo together with --no-demo', () => {
    expect(() => prepareDemo([...ARGV, '--demo', '--no-demo'], {})).toThrow(/--demo and --no-demo/);
  });

  it('rejects a bad SAGASCOPE_DEMO like any other variable', () => {
    expect(() => prepareDemo(ARGV, { SAGASCOPE_DEMO: 'maybe' })).toThrow(/SAGASCOPE_DEMO/);
  });
});

describe('npm start demo mode: thresholds', () => {
  it('shortens only the thresholds the user did not set', () => {
    const env: Record<string, string | undefined> = { SAGASCOPE_FAILED_GRACE_MS: '5000' };
    expect(prepareDemo(ARGV, env)).toEqual({
      run: true,
      database: 'embedded',
      by: 'default',
      reason: null,
      thresholds: ['SAGASCOPE_STUCK_AFTER_MS', 'SAGASCOPE_ACTION_ALLOWED_HOSTS'],
      dtmServers: 'http://127.0.0.1:36788',
    });
    expect(env).toEqual({
      SAGASCOPE_FAILED_GRACE_MS: '5000', SAGASCOPE_STUCK_AFTER_MS: '30000', SAGASCOPE_ACTION_ALLOWED_HOSTS: '127.0.0.1',
      SAGASCOPE_DTM_SERVERS: 'http://127.0.0.1:36788',
    });
  });

  it('keeps an action allowlist the user chose', () => {
    const env: Record<string, string | undefined> = { SAGASCOPE_ACTION_ALLOWED_HOSTS: 'payments.internal' };
    expect(prepareDemo(ARGV, env).thresholds).not.toContain('SAGASCOPE_ACTION_ALLOWED_HOSTS');
    expect(env.SAGASCOPE_ACTION_ALLOWED_HOSTS).toBe('payments.internal');
  });
});

describe('npm start demo mode: the banner says so', () => {
  const banner = (args: string[], vars: Record<string, string>) => {
    const env: Record<string, string | undefined> = { ...vars };
    return demoBannerLines(prepareDemo([...ARGV, ...args], env), env).join('\n');
  };

  it('with a server and no --demo: off, and how to turn it on', () => {
    expect(banner([], { DATABASE_URL: SERVER })).toMatch(/demo fleet: +off \(DATABASE_URL is set: .*`npm start -- --demo`/);
  });

  it('with a server and --demo: says the demo writes into that database, and the thresholds it changed', () => {
    const text = banner(['--demo'], { DATABASE_URL: SERVER });
    expect(text).toMatch(/demo fleet: +starting \(--demo\): demo sagas go into this PostgreSQL database/);
    expect(text).toMatch(/demo thresholds: +SAGASCOPE_STUCK_AFTER_MS=30000, SAGASCOPE_FAILED_GRACE_MS=10000, SAGASCOPE_ACTION_ALLOWED_HOSTS=127.0.0.1/);
  });

  it('embedded: starting, and how to turn it off', () => {
    expect(banner([], {})).toMatch(/demo fleet: +starting \(order, inventory, payment, shipping, orchestrator, dtm; off with --no-demo\)/);
    expect(banner(['--no-demo'], {})).toMatch(/demo fleet: +off \(--no-demo\)/);
  });
});

describe('the fleet\'s collector address', () => {
  it('reaches a collector bound to every interface over loopback', () => {
    expect(collectorEndpoint('0.0.0.0', 4317)).toBe('http://127.0.0.1:4317');
    expect(collectorEndpoint('127.0.0.1', 14317)).toBe('http://127.0.0.1:14317');
    expect(collectorEndpoint('::1', 4317)).toBe('http://[::1]:4317');
  });
});

describe('npm start demo mode: the demo DTM', () => {
  it('points SAGASCOPE_DTM_SERVERS at the demo’s DTM test double, unless the user set it', () => {
    const env: Record<string, string | undefined> = {};
    expect(prepareDemo(ARGV, env).dtmServers).toBe('http://127.0.0.1:36788');
    expect(env.SAGASCOPE_DTM_SERVERS).toBe('http://127.0.0.1:36788');
    const moved: Record<string, string | undefined> = { SAGASCOPE_DEMO_DTM_PORT: '40001' };
    prepareDemo(ARGV, moved);
    expect(moved.SAGASCOPE_DTM_SERVERS).toBe('http://127.0.0.1:40001');
    const own: Record<string, string | undefined> = { SAGASCOPE_DTM_SERVERS: 'http://dtm.internal:36789' };
    expect(prepareDemo(ARGV, own).dtmServers).toBeNull();
    expect(own.SAGASCOPE_DTM_SERVERS).toBe('http://dtm.internal:36789');
    // No demo, no DTM of the demo's.
    const off: Record<string, string | undefined> = {};
    prepareDemo([...ARGV, '--no-demo'], off);
    expect(off.SAGASCOPE_DTM_SERVERS).toBeUndefined();
    expect(() => prepareDemo(ARGV, { SAGASCOPE_DEMO_DTM_PORT: 'eighty' })).toThrow(/SAGASCOPE_DEMO_DTM_PORT/);
  });

  it('says so in the banner', () => {
    const env: Record<string, string | undefined> = {};
    const lines = demoBannerLines(prepareDemo(ARGV, env), env).join('\n');
    expect(lines).toMatch(/demo DTM: +SAGASCOPE_DTM_SERVERS=http:\/\/127\.0\.0\.1:36788/);
  });
});
