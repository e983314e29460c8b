// piscina's worker module. tsx's hooks do not reach worker threads on Node 20, so the
// thread registers them itself before it imports the TypeScript workloads.
import { register } from 'tsx/esm/api';

register();
const { tasks } = await import('./tasks.ts');

export default function run(task) {
  return tasks[task.fn](task.arg);
}
