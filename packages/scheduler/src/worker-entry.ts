/**
 * Every scheduler thread starts here. On Node 20, tsx's loader hooks registered on the main
 * thread do not reach worker threads (tsx issue #354), so each worker registers them itself
 * (when tsx is installed: it is an optional peer) before importing anything that may be
 * TypeScript: the user's modules are loaded as they are, .ts or .js, with no build step.
 */
import { registerTypeScript } from './typescript.js';
import { markSchedulerThread } from './thread-role.js';

// Before any user module: one that calls startVM() at its top level gets a clear error here
// instead of starting VMs within VMs without end.
markSchedulerThread();
await registerTypeScript();
await import('./worker-main.js');
