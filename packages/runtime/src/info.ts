import type { AnyPid, Ref } from './pid.js';

export type ProcessStatus = 'starting' | 'runnable' | 'running' | 'waiting' | 'exited';

export interface ProcessInfo {
  pid: AnyPid;
  /** The definition's name (`main`, `worker`...), or `external` for a mailbox handle. */
  name: string;
  key: string;
  kind: 'process' | 'actor' | 'external';
  status: ProcessStatus;
  mailboxLength: number;
  links: AnyPid[];
  /** Monitors this process holds on others. */
  monitors: { ref: Ref; pid: AnyPid }[];
  /** Processes monitoring this one. */
  monitoredBy: AnyPid[];
  registeredName: string | undefined;
  trapExit: boolean;
  /** Messages taken from the mailbox so far. */
  messagesHandled: number;
  /** Steps it was given so far (starts, resumes, actor messages): BEAM's reductions, roughly. */
  steps: number;
  /** The scheduler it runs on. */
  scheduler: number;
  /** Whether it can move to another scheduler now (an idle actor, or a process not started yet). */
  movable: boolean;
}
