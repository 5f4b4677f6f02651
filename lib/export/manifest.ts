/**
 * The export manifest: what an export contained and how to check it. The
 * server computes it while streaming and records it in the audit trail (the
 * `export` entry's `result`), so it is itself covered by the hash chain;
 * `GET /api/export/manifest?id=` returns it with that entry's seq and hash.
 */
import { z } from 'zod';
import { EXPORT_FORMATS } from './format';
import { EXPORT_KINDS } from './kinds';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const manifestSchema = z.object({
  sagascopeExport: z.literal(1),
  exportId: z.uuid(),
  kind: z.enum(EXPORT_KINDS),
  format: z.enum(EXPORT_FORMATS),
  filters: z.record(z.string(), z.string()),
  /** Data rows (CSV header not counted). */
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** SHA-256 of the exact response body, hex. */
  sha256: hex64,
  /** Audit-trail head when the export started (before its own entries). */
  auditHead: z.object({ seq: z.number().int().nonnegative(), hash: hex64 }),
  startedAt: z.string(),
  finishedAt: z.string(),
  actor: z.string(),
  role: z.string(),
  /** The audit entry recording this export (added when the manifest is fetched). */
  auditEntry: z.object({ seq: z.number().int().positive(), hash: hex64 }).optional(),
});

export type ExportManifest = z.infer<typeof manifestSchema>;

export const EXPORT_ID_HEADER = 'X-Sagascope-Export-Id';
export const AUDIT_HEAD_HEADER = 'X-Sagascope-Audit-Head';
