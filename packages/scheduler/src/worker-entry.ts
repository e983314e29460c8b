/**
 * Every scheduler thread starts here. On Node 20, tsx's loader hooks registered on the main
 * thread do not reach worker threads (tsx issue #354), so each worker registers them itself
 * before importing anything that may be TypeScript: the user's modules are loaded as they
 * are, .ts or .js, with no build step.
 */
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.js');
