export { startVM, VM, type VMOptions, type VMEvent } from './vm.js';
export type { RunOptions, MapOptions } from './jobs.js';
export type { SchedulerStats } from './protocol.js';
export { isCancelled, throwIfCancelled } from './cancel.js';
export { MAIN_NODE } from './directory.js';
export type { Observer, ObserveOptions } from './observer/server.js';
export type { ProcessRow, ProcessDetail, SchedulerLoad, LoadSample } from './observer/types.js';
