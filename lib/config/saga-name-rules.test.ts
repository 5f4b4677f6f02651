import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './env';
import { modelConfigFrom } from './model';

const base = { SAGASCOPE_DATA_DIR: 'memory://' };

describe('SAGASCOPE_SAGA_NAME_RULES', () => {
  it('is empty by default', () => {
    expect(parseConfig(base).SAGASCOPE_SAGA_NAME_RULES).toEqual([]);
  });

  it('compiles the rules in order and reaches the model config', () => {
    const config = parseConfig({
      ...base,
      SAGASCOPE_SAGA_NAME_RULES: '[{"name":"refund","gid":"^refund-"},{"name":" transfer ","route":"/api/busi/TransOut","gid":"^t"}]',
    });
    expect(config.SAGASCOPE_SAGA_NAME_RULES).toEqual([
      { name: 'refund', gid: /^refund-/, routePrefix: null },
      { name: 'transfer', gid: /^t/, routePrefix: '/api/busi/TransOut' },
    ]);
    expect(modelConfigFrom(config, 5).nameRules).toBe(config.SAGASCOPE_SAGA_NAME_RULES);
  });

  it.each([
    ['not JSON', 'refund=^refund-'],
    ['not an array', '{"name":"x","gid":"a"}'],
    ['a rule without gid or route', '[{"name":"x"}]'],
    ['an empty name', '[{"name":"  ","gid":"a"}]'],
    ['a route that is no path', '[{"name":"x","route":"api/x"}]'],
    ['an unknown key', '[{"name":"x","gid":"a","regex":"b"}]'],
    ['a bad regular expression', '[{"name":"x","gid":"(unclosed"}]'],
  ])('rejects %s, naming the variable', (_, value) => {
    expect(() => parseConfig({ ...base, SAGASCOPE_SAGA_NAME_RULES: value })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, SAGASCOPE_SAGA_NAME_RULES: value })).toThrow('SAGASCOPE_SAGA_NAME_RULES');
  });
});
