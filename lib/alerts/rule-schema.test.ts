import { describe, expect, it } from 'vitest';
import { alertRuleInputSchema, alertRulePatchSchema, applyRulePatch, definitionOf } from './rule-schema';

const base = { name: 'payments down', webhookUrl: 'https://hooks.example.com/sagascope' };

describe('alert rule schema', () => {
  it('accepts the three kinds with their own fields and defaults', () => {
    const status = alertRuleInputSchema.parse({ ...base, kind: 'status', statuses: ['failed', 'stuck', 'failed'] });
    expect(status).toMatchObject({ kind: 'status', statuses: ['failed', 'stuck'], enabled: true, sagaName: null });
    const anomaly = alertRuleInputSchema.parse({ ...base, kind: 'anomaly', anomalies: ['retry_storm'], sagaName: 'checkout' });
    expect(anomaly).toMatchObject({ anomalies: ['retry_storm'], sagaName: 'checkout' });
    const rate = alertRuleInputSchema.parse({ ...base, kind: 'failure_rate', threshold: 0.2, windowMinutes: 15 });
    expect(rate).toMatchObject({ threshold: 0.2, windowMinutes: 15, minSagas: 1 });
  });

  it('refuses statuses other than failed / stuck, unknown anomaly kinds and empty sets', () => {
    expect(alertRuleInputSchema.safeParse({ ...base, kind: 'status', statuses: ['committed'] }).success).toBe(false);
    expect(alertRuleInputSchema.safeParse({ ...base, kind: 'status', statuses: [] }).success).toBe(false);
    expect(alertRuleInputSchema.safeParse({ ...base, kind: 'anomaly', anomalies: ['bogus'] }).success).toBe(false);
  });

  it('bounds threshold, window and minimum count', () => {
    const rate = (o: object) => alertRuleInputSchema.safeParse({ ...base, kind: 'failure_rate', threshold: 0.5, windowMinutes: 5, ...o }).success;
    expect(rate({ threshold: 0 })).toBe(false);
    expect(rate({ threshold: 1 })).toBe(true);
    expect(rate({ threshold: 1.01 })).toBe(false);
    expect(rate({ windowMinutes: 0 })).toBe(false);
    expect(rate({ windowMinutes: 1441 })).toBe(false);
    expect(rate({ windowMinutes: 2.5 })).toBe(false);
    expect(rate({ minSagas: 0 })).toBe(false);
  });

  it('refuses fields of another kind, non-http URLs and control characters', () => {
    expect(alertRuleInputSchema.safeParse({ ...base, kind: 'status', statuses: ['failed'], threshold: 0.5 }).success).toBe(false);
    expect(alertRuleInputSchema.safeParse({ ...base, kind: 'status', statuses: ['failed'], webhookUrl: 'file:///etc/passwd' }).success).toBe(false);
    expect(alertRuleInputSchema.safeParse({ ...base, kind: 'status', statuses: ['failed'], webhookUrl: 'not a url' }).success).toBe(false);
    expect(alertRuleInputSchema.safeParse({ ...base, kind: 'status', statuses: ['failed'], name: 'a\u0000b' }).success).toBe(false);
  });

  it('re-validates a patched rule as a rule of its kind', () => {
    const stored = definitionOf(alertRuleInputSchema.parse({ ...base, kind: 'failure_rate', threshold: 0.5, windowMinutes: 5 }));
    const ok = applyRulePatch(stored, alertRulePatchSchema.parse({ threshold: 0.25, enabled: false }));
    expect(ok.ok && ok.value).toMatchObject({ threshold: 0.25, enabled: false, windowMinutes: 5, kind: 'failure_rate' });
    expect(applyRulePatch(stored, alertRulePatchSchema.parse({ threshold: 2 })).ok).toBe(false);
    // A status field on a rate rule is not a valid rate rule.
    expect(applyRulePatch(stored, alertRulePatchSchema.parse({ statuses: ['failed'] })).ok).toBe(false);
    expect(alertRulePatchSchema.safeParse({ kind: 'status' }).success).toBe(false);
    expect(alertRulePatchSchema.safeParse({}).success).toBe(false);
  });
});
