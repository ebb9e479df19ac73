/**
 * Checkpoints a SQLite database's WAL from a worker thread, with a connection of its own, so that
 * the connection serving requests and sends never pays for it: left to the writer, an automatic
 * checkpoint copies up to 80 MB back into the database inside some unlucky commit, which is the
 * long tail of tracking-request latency and a share of every send. PASSIVE checkpoints never
 * block the writer; the writer's own autocheckpoint stays as a fallback.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Plain CommonJS evaluated in the worker, so it runs the same under tsx, vitest and compiled code. */
const SCRIPT = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 2000');
const tick = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} };
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (m) => { if (m === 'stop') { clearInterval(timer); db.close(); parentPort.close(); } });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(path: string, intervalMs = 250): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(SCRIPT, { eval: true, workerData: { path, driver, intervalMs } });
  worker.unref();
  // A failing checkpointer only means the writer checkpoints itself again; never crash for it.
  worker.on('error', () => undefined);
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (worker.threadId === -1) return resolve();
        worker.once('exit', () => resolve());
        // Held by the worker only while it stops, so a process waiting for close() does not end early.
        worker.ref();
        worker.postMessage('stop');
        setTimeout(() => void worker.terminate(), 2_000).unref();
      }),
  };
}
