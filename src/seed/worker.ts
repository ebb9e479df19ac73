/** Worker-thread entry: generates and encodes batches, at most `ahead` beyond what the loader took. */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeInline, type WorkerInput } from './batches.js';

const port = parentPort;
if (!port) throw new Error('src/seed/worker.ts must run as a worker thread');
const input = workerData as WorkerInput;

let credit = input.ahead;
let wake: (() => void) | undefined;
port.on('message', (n: number) => {
  credit += n;
  wake?.();
  wake = undefined;
});

for (const batch of encodeInline(input.spec, input.job, input.batchSize)) {
  while (credit <= 0) await new Promise<void>((resolve) => (wake = resolve));
  credit--;
  const { users, events, summaries } = batch.data;
  port.postMessage(batch, [users, events, summaries].filter((d) => d.byteLength > 0).map((d) => d.buffer as ArrayBuffer));
}
port.postMessage(null);
