/**
 * Worker thread entry of wal-checkpoints.ts: checkpoints the SQLite file's write-ahead log
 * on a connection of its own whenever asked, so the copying and the fsync happen beside the
 * main thread instead of inside one of its commits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** What one checkpoint did: frames in the log, frames copied into the file; busy when it could not finish. */
export interface CheckpointResult {
  busy: boolean;
  logFrames: number;
  checkpointedFrames: number;
  error?: string;
}

const port = parentPort!;
const db = new Database((workerData as { file: string }).file, { timeout: 0, fileMustExist: true });

port.on('message', () => {
  let result: CheckpointResult;
  try {
    // PASSIVE: copies what it can without waiting for or blocking the writer and readers.
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    result = { busy: row!.busy !== 0, logFrames: row!.log, checkpointedFrames: row!.checkpointed };
  } catch (error) {
    result = { busy: true, logFrames: -1, checkpointedFrames: -1, error: (error as Error).message };
  }
  port.postMessage(result);
});
