/**
 * Encoded batches for the loaders, generated on a worker thread for large seeds so that
 * generation and encoding overlap with the database's own work (2 cores: one generates, one
 * inserts), or inline for small ones. Both paths run the same pure code and yield the same text.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { copyText, eventLine, summaryLine, userLine } from './encode-pg.js';
import { eventsJson, summariesJson, usersJson } from './encode-sqlite.js';
import { generateBatches, type SeedSpec } from './generate.js';
import type { SeedBatch } from './rows.js';

/** 'sqlite': every table as JSON; 'pg-*': one table as COPY text (the others are left empty). */
export type EncodeJob = 'sqlite' | 'pg-users' | 'pg-events' | 'pg-summaries';

export interface EncodedBatch {
  counts: { users: number; events: number; summaries: number };
  /**
   * UTF-8 bytes per table. Bytes rather than strings: the worker hands them over without a copy,
   * and neither driver has to encode them again on the loading thread.
   */
  data: { users: Uint8Array; events: Uint8Array; summaries: Uint8Array };
}

export interface BatchSourceOptions {
  batchSize?: number;
  /** Generate on a worker thread; default: only from 20,000 users (below that, start-up dominates). */
  threads?: boolean;
}

export interface WorkerInput {
  spec: SeedSpec;
  job: EncodeJob;
  batchSize: number | undefined;
  /** Batches the worker may produce before the loader has taken them (bounds memory). */
  ahead: number;
}

const THREAD_THRESHOLD = 20_000;
const AHEAD = 3;

const utf8 = new TextEncoder();
const NONE = new Uint8Array(0);

export function encodeBatch(job: EncodeJob, b: SeedBatch): EncodedBatch {
  const sqlite = job === 'sqlite';
  const encode = (wanted: boolean, text: () => string): Uint8Array => (wanted ? utf8.encode(text()) : NONE);
  return {
    counts: { users: b.users.length, events: b.events.length, summaries: b.summaries.length },
    data: {
      users: encode(sqlite || job === 'pg-users', () => (sqlite ? usersJson(b.users) : copyText(b.users, userLine))),
      events: encode(sqlite || job === 'pg-events', () => (sqlite ? eventsJson(b.events) : copyText(b.events, eventLine))),
      summaries: encode(sqlite || job === 'pg-summaries', () =>
        sqlite ? summariesJson(b.summaries) : copyText(b.summaries, summaryLine),
      ),
    },
  };
}

export function* encodeInline(spec: SeedSpec, job: EncodeJob, batchSize?: number): Generator<EncodedBatch> {
  const events = job === 'sqlite' || job === 'pg-events';
  for (const b of generateBatches(spec, { batchSize, events })) yield encodeBatch(job, b);
}

export async function* encodedBatches(spec: SeedSpec, job: EncodeJob, opts: BatchSourceOptions = {}): AsyncGenerator<EncodedBatch> {
  const auto = opts.threads === undefined;
  if (!(opts.threads ?? spec.users >= THREAD_THRESHOLD)) {
    yield* encodeInline(spec, job, opts.batchSize);
    return;
  }
  let received = 0;
  try {
    for await (const batch of fromWorker({ spec, job, batchSize: opts.batchSize, ahead: AHEAD })) {
      received++;
      yield batch;
    }
  } catch (err) {
    // A worker that cannot even start (an unusual runtime or bundle) only costs speed.
    if (!(auto && received === 0 && err instanceof WorkerStartError)) throw err;
    yield* encodeInline(spec, job, opts.batchSize);
  }
}

class WorkerStartError extends Error {}

async function* fromWorker(input: WorkerInput): AsyncGenerator<EncodedBatch> {
  const worker = spawnWorker(input);
  const queue: (EncodedBatch | null)[] = [];
  let started = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    wake?.();
    wake = undefined;
  };
  worker.on('message', (m: EncodedBatch | null) => {
    started = true;
    queue.push(m);
    poke();
  });
  worker.on('error', (err) => {
    failure ??= started ? err : new WorkerStartError(`seed worker failed to start: ${err.message}`, { cause: err });
    poke();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`seed worker exited early (code ${code})`);
    poke();
  });
  try {
    for (;;) {
      while (queue.length === 0 && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
      const next = queue.shift();
      if (next === undefined) throw failure;
      if (next === null) return;
      worker.postMessage(1);
      yield next;
    }
  } finally {
    await worker.terminate();
  }
}

function spawnWorker(input: WorkerInput): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./worker.js', here), { workerData: input });
  // Running from TypeScript sources (tsx, vitest): Node 20 does not pass tsx's loader hooks on to
  // workers, so the worker loads its entry through tsx's API.
  const tsx = pathToFileURL(createRequire(here).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./worker.ts', here).href;
  const boot = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}))`;
  return new Worker(boot, { eval: true, workerData: input });
}
