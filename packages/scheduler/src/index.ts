export { startVM, VM, type VMOptions, type VMEvent, type VMEvents, type SchedulerDown, type VMSpawnOptions } from './vm.js';
export type { RunOptions, MapOptions } from './jobs.js';
export type { SchedulerStats } from './protocol.js';
export { isCancelled, throwIfCancelled } from './cancel.js';
export { MAIN_NODE } from './directory.js';
export { isTypeScriptFile, registerTypeScript, missingTsxError } from './typescript.js';
