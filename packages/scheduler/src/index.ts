export { startVM, VM, type VMOptions, type VMEvent, type VMEvents, type SchedulerDown, type VMSpawnOptions } from './vm.js';
export { isFaultAttribution, type FaultAttribution } from './fault-attribution.js';
export type { RunOptions, MapOptions } from './jobs.js';
export type { SchedulerStats, MoveRecord } from './protocol.js';
export { isCancelled, throwIfCancelled } from './cancel.js';
export { MAIN_NODE } from './directory.js';
export { isTypeScriptFile, registerTypeScript, missingTsxError } from './typescript.js';
export type { Observer, ObserveOptions } from './observer/server.js';
export type { ProcessRow, ProcessDetail, SchedulerLoad, LoadSample } from './observer/types.js';
