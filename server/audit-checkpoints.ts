/**
 * `npm start` checkpoints the audit chain's head: once at start, then every
 * SAGASCOPE_AUDIT_CHECKPOINT_INTERVAL_MS when it moved, and a last time at
 * shutdown (lib/audit/anchor.ts). The UI process does it because it is the one
 * that appends audit entries and holds the key. The key is loaded (or
 * generated and printed, once) before the first pass, so a bad key stops the
 * start instead of leaving the trail unanchored unnoticed.
 */
import type { Db } from '../lib/db/connection';
import type { Config } from '../lib/config/env';
import { checkpointForProcess, processAuditSigner, type CheckpointOutcome } from '../lib/audit/anchor';
import { log } from '../lib/log';
import { startPeriodic, type PeriodicTask } from '../collector/periodic';

export interface AuditCheckpoints {
  task: PeriodicTask<CheckpointOutcome | null>;
  /** Stops the schedule and checkpoints the head one last time. */
  stop(): Promise<void>;
}

export function startAuditCheckpoints(db: Db, config: Config): AuditCheckpoints {
  const loaded = processAuditSigner(config);
  log.info('audit checkpoints', {
    keyId: loaded.signer.keyId,
    key: loaded.source === 'env' ? 'SAGASCOPE_AUDIT_KEY' : loaded.file,
    witnessFile: config.SAGASCOPE_AUDIT_WITNESS_FILE ?? null,
    intervalMs: config.SAGASCOPE_AUDIT_CHECKPOINT_INTERVAL_MS,
  });
  const task = startPeriodic('audit checkpoint', config.SAGASCOPE_AUDIT_CHECKPOINT_INTERVAL_MS, () => checkpointForProcess(db, 'schedule', config));
  void task.runNow();
  return {
    task,
    async stop() {
      await task.stop();
      await checkpointForProcess(db, 'shutdown', config);
    },
  };
}
