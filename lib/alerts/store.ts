/**
 * Alert rules and their delivery log (tables alert_rules, alert_deliveries).
 * Every change to a rule commits together with its audit entry. The signing
 * secret is generated here, returned only by create and rotate, and never read
 * back by a list, written to the audit trail or logged; the webhook URL goes to
 * the audit trail as its origin only (receivers put tokens in paths).
 */
import { randomUUID } from 'node:crypto';
import type { Db, Sql } from '../db/connection';
import { appendAudit } from '../audit/store';
import type { AuditActor } from '../auth/principal';
import type { AlertDeliveryJson, AlertDeliveryPage, AlertRuleJson } from './types';
import { applyRulePatch, definitionOf, type AlertRuleDefinition, type AlertRuleInput, type AlertRulePatch } from './rule-schema';
import { newWebhookSecret } from './signing';
import { webhookOrigin } from './policy';
import { formatZodError } from '../api/query';

const iso = (v: Date | string | null): string | null => (v === null ? null : (v instanceof Date ? v : new Date(v)).toISOString());

interface RuleRow {
  id: string;
  name: string;
  kind: AlertRuleJson['kind'];
  enabled: boolean;
  saga_name: string | null;
  statuses: string[] | null;
  anomalies: string[] | null;
  threshold: number | null;
  window_minutes: number | null;
  min_sagas: number | null;
  webhook_url: string;
  firing: boolean;
  firing_since: Date | string | null;
  created_at: Date | string;
  created_by: string;
  updated_at: Date | string;
  updated_by: string;
}

/** Never the secret. */
const RULE_COLUMNS = `id::text AS id, name, kind::text AS kind, enabled, saga_name, statuses, anomalies, threshold, window_minutes,
  min_sagas, webhook_url, firing, firing_since, created_at, created_by, updated_at, updated_by`;

function toRule(r: RuleRow): AlertRuleJson {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    enabled: r.enabled,
    sagaName: r.saga_name,
    statuses: r.statuses ?? [],
    anomalies: r.anomalies ?? [],
    threshold: r.threshold === null ? null : Number(r.threshold),
    windowMinutes: r.window_minutes,
    minSagas: r.min_sagas,
    webhookUrl: r.webhook_url,
    firing: r.firing,
    firingSince: iso(r.firing_since),
    createdAt: iso(r.created_at)!,
    createdBy: r.created_by,
    updatedAt: iso(r.updated_at)!,
    updatedBy: r.updated_by,
  };
}

/** What the audit trail records of a rule: its definition without secret, URL reduced to its origin. */
function auditView(d: AlertRuleDefinition): Record<string, unknown> {
  return {
    name: d.name,
    kind: d.kind,
    enabled: d.enabled,
    sagaName: d.sagaName,
    ...(d.kind === 'status' ? { statuses: d.statuses } : {}),
    ...(d.kind === 'anomaly' ? { anomalies: d.anomalies } : {}),
    ...(d.kind === 'failure_rate' ? { threshold: d.threshold, windowMinutes: d.windowMinutes, minSagas: d.minSagas } : {}),
    webhook: webhookOrigin(d.webhookUrl),
  };
}

export async function listAlertRules(db: Sql): Promise<AlertRuleJson[]> {
  return (await db.query<RuleRow>(`SELECT ${RULE_COLUMNS} FROM alert_rules ORDER BY created_at DESC, id`)).map(toRule);
}

export async function findAlertRule(db: Sql, id: string): Promise<AlertRuleJson | null> {
  const [row] = await db.query<RuleRow>(`SELECT ${RULE_COLUMNS} FROM alert_rules WHERE id = $1::uuid`, [id]);
  return row ? toRule(row) : null;
}

export async function createAlertRule(
  db: Db,
  by: AuditActor,
  input: AlertRuleInput,
  now: Date = new Date(),
): Promise<{ rule: AlertRuleJson; secret: string }> {
  const d = definitionOf(input);
  const secret = newWebhookSecret();
  const rule = await db.transaction(async (tx) => {
    const [row] = await tx.query<RuleRow>(
      `INSERT INTO alert_rules (id, name, kind, enabled, saga_name, statuses, anomalies, threshold, window_minutes, min_sagas,
                                webhook_url, secret, created_at, created_by, updated_at, updated_by)
       VALUES ($1::uuid, $2, $3::"AlertRuleKind", $4, $5, $6::text[], $7::text[], $8, $9, $10, $11, $12, $13, $14, $13, $14)
       RETURNING ${RULE_COLUMNS}`,
      [randomUUID(), d.name, d.kind, d.enabled, d.sagaName, d.statuses, d.anomalies, d.threshold, d.windowMinutes, d.minSagas,
        d.webhookUrl, secret, now.toISOString(), by.actor],
    );
    const r = toRule(row!);
    await appendAudit(tx, { ...by, action: 'alert_rule.create', outcome: 'ok', request: auditView(d), result: { ruleId: r.id } });
    return r;
  });
  return { rule, secret };
}

export type RuleChange =
  | { ok: true; rule: AlertRuleJson; secret: string | null }
  | { ok: false; status: 400 | 404; error: string };

export async function updateAlertRule(db: Db, by: AuditActor, id: string, patch: AlertRulePatch, now: Date = new Date()): Promise<RuleChange> {
  return db.transaction(async (tx): Promise<RuleChange> => {
    const [row] = await tx.query<RuleRow>(`SELECT ${RULE_COLUMNS} FROM alert_rules WHERE id = $1::uuid FOR UPDATE`, [id]);
    if (!row) return { ok: false, status: 404, error: 'no such alert rule' };
    const before = toRule(row);
    const merged = applyRulePatch(before, patch);
    if (!merged.ok) return { ok: false, status: 400, error: formatZodError(merged.error) };
    const d = merged.value;
    const secret = patch.rotateSecret ? newWebhookSecret() : null;
    // A changed condition starts over: an episode of the old condition says nothing about the new one.
    const conditionChanged =
      d.threshold !== before.threshold || d.windowMinutes !== before.windowMinutes || d.minSagas !== before.minSagas || d.sagaName !== before.sagaName || !d.enabled;
    const [updated] = await tx.query<RuleRow>(
      `UPDATE alert_rules SET name = $2, enabled = $3, saga_name = $4, statuses = $5::text[], anomalies = $6::text[], threshold = $7,
              window_minutes = $8, min_sagas = $9, webhook_url = $10, secret = COALESCE($11, secret),
              firing = firing AND NOT $12, firing_since = CASE WHEN $12 THEN NULL ELSE firing_since END,
              updated_at = $13, updated_by = $14
        WHERE id = $1::uuid RETURNING ${RULE_COLUMNS}`,
      [id, d.name, d.enabled, d.sagaName, d.statuses, d.anomalies, d.threshold, d.windowMinutes, d.minSagas, d.webhookUrl, secret,
        conditionChanged, now.toISOString(), by.actor],
    );
    const { rotateSecret: _r, ...fields } = patch;
    await appendAudit(tx, {
      ...by,
      action: 'alert_rule.update',
      outcome: 'ok',
      // Names of what was asked to change (values without the URL's path), the rule as it is now.
      request: { ruleId: id, changed: Object.keys(fields), rotateSecret: Boolean(patch.rotateSecret) },
      result: auditView(d),
    });
    return { ok: true, rule: toRule(updated!), secret };
  });
}

export async function deleteAlertRule(db: Db, by: AuditActor, id: string): Promise<{ ok: true } | { ok: false; status: 404; error: string }> {
  return db.transaction(async (tx) => {
    // The rule's deliveries go with it (ON DELETE CASCADE): a pending one is never sent for a rule that no longer exists.
    const [row] = await tx.query<RuleRow>(`DELETE FROM alert_rules WHERE id = $1::uuid RETURNING ${RULE_COLUMNS}`, [id]);
    if (!row) return { ok: false as const, status: 404 as const, error: 'no such alert rule' };
    await appendAudit(tx, { ...by, action: 'alert_rule.delete', outcome: 'ok', request: { ruleId: id }, result: auditView(toRule(row)) });
    return { ok: true as const };
  });
}

/**
 * Queues a test delivery for a rule (sent by the collector like any other);
 * each call is its own delivery.
 */
export async function queueTestDelivery(db: Db, by: AuditActor, id: string, now: Date = new Date()): Promise<{ ok: true; deliveryId: string } | { ok: false; status: 404; error: string }> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ id: string }>(
      `INSERT INTO alert_deliveries (rule_id, dedup_key, saga_id, payload, next_attempt_at, created_at)
       SELECT r.id, 'test:' || gen_random_uuid()::text, NULL,
              jsonb_build_object('event', 'test', 'message', 'test delivery requested by ' || $2::text), $3, $3
         FROM alert_rules r WHERE r.id = $1::uuid
       RETURNING id::text AS id`,
      [id, by.actor, now.toISOString()],
    );
    if (!row) return { ok: false as const, status: 404 as const, error: 'no such alert rule' };
    await appendAudit(tx, { ...by, action: 'alert_rule.test', outcome: 'ok', request: { ruleId: id }, result: { deliveryId: row.id } });
    return { ok: true as const, deliveryId: row.id };
  });
}

// --- delivery log -------------------------------------------------------------

interface DeliveryRow {
  id: string;
  rule_id: string;
  rule_name: string;
  event: string | null;
  saga_id: string | null;
  state: AlertDeliveryJson['state'];
  attempts: number;
  next_attempt_at: Date | string;
  last_attempt_at: Date | string | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | string | null;
  created_at: Date | string;
}

export interface DeliveryQuery {
  ruleId?: string;
  state?: AlertDeliveryJson['state'];
  limit: number;
  /** The id of the last delivery of the previous page. */
  cursor?: string;
}

/** Newest first (ids grow with time), keyset-paged on the id. */
export async function listAlertDeliveries(db: Sql, q: DeliveryQuery): Promise<AlertDeliveryPage> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.ruleId) where.push(`d.rule_id = $${params.push(q.ruleId)}::uuid`);
  if (q.state) where.push(`d.state = $${params.push(q.state)}::"AlertDeliveryState"`);
  if (q.cursor) where.push(`d.id < $${params.push(q.cursor)}::bigint`);
  const rows = await db.query<DeliveryRow>(
    `SELECT d.id::text AS id, d.rule_id::text AS rule_id, r.name AS rule_name, d.payload->>'event' AS event, d.saga_id,
            d.state::text AS state, d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_status, d.last_error, d.delivered_at, d.created_at
       FROM alert_deliveries d JOIN alert_rules r ON r.id = d.rule_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY d.id DESC LIMIT $${params.push(q.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      ruleId: r.rule_id,
      ruleName: r.rule_name,
      event: r.event ?? 'alert',
      sagaId: r.saga_id,
      state: r.state,
      attempts: r.attempts,
      nextAttemptAt: iso(r.next_attempt_at)!,
      lastAttemptAt: iso(r.last_attempt_at),
      lastStatus: r.last_status,
      lastError: r.last_error,
      deliveredAt: iso(r.delivered_at),
      createdAt: iso(r.created_at)!,
    })),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
  };
}
