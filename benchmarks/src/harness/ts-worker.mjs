// A worker thread that runs a TypeScript module: registers tsx in this thread (its hooks on
// the main thread do not reach workers on Node 20), then imports workerData.entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
