/**
 * The external witness of audit checkpoints: copies kept where the database's
 * writer cannot reach them.
 *
 * - A file (`SAGASCOPE_AUDIT_WITNESS_FILE`), one JSON line per checkpoint,
 *   appended with O_APPEND. Put it on another volume, a log shipper's input, or
 *   a WORM mount; `audit:verify` reads it back.
 * - The log: every checkpoint is also one `audit checkpoint` log line carrying
 *   the same fields, so syslog / journald / a container log collector keeps a
 *   copy. Lines captured from the log can be passed as a witness file: lines that
 *   are not checkpoints are skipped.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { log } from '../log';
import { parseWitnessLine, witnessRecord, type SignedCheckpoint } from './checkpoint';

export async function appendToWitnessFile(file: string, cp: SignedCheckpoint): Promise<void> {
  // One write per line: with O_APPEND concurrent writers (several UI processes) do not interleave lines.
  await fs.promises.appendFile(file, `${JSON.stringify(witnessRecord(cp))}\n`, { encoding: 'utf8', mode: 0o640, flag: 'a' });
}

/** The log copy (stderr, one JSON line): the syslog witness. Holds no secret: a signature is public. */
export function logCheckpoint(cp: SignedCheckpoint): void {
  log.info('audit checkpoint', witnessRecord(cp));
}

export interface WitnessBatch {
  checkpoints: { checkpoint: SignedCheckpoint; line: number }[];
  /** Lines that claim to be checkpoints but are not well-formed. */
  malformed: number[];
}

/** Reads a witness file in batches (constant memory). Throws ENOENT when it does not exist. */
export async function* readWitnessFile(file: string, batchSize = 1000): AsyncGenerator<WitnessBatch> {
  // Opened first so that a missing or unreadable file throws here (readline would not pass the error on).
  const handle = await fs.promises.open(file, 'r');
  const input = handle.createReadStream({ encoding: 'utf8' });
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let batch: WitnessBatch = { checkpoints: [], malformed: [] };
  let n = 0;
  try {
    for await (const text of lines) {
      n++;
      const parsed = parseWitnessLine(text);
      if (parsed.kind === 'checkpoint') batch.checkpoints.push({ checkpoint: parsed.checkpoint, line: n });
      else if (parsed.kind === 'malformed') batch.malformed.push(n);
      if (batch.checkpoints.length >= batchSize) {
        yield batch;
        batch = { checkpoints: [], malformed: [] };
      }
    }
    if (batch.checkpoints.length > 0 || batch.malformed.length > 0) yield batch;
  } finally {
    lines.close();
    input.destroy();
    await handle.close().catch(() => undefined);
  }
}
