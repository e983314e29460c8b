export { type Pid, type AnyPid, type Ref, type Dest, type Alias, type GlobalName, isGlobalName, isAlias, isPid, checkPid, MAX_PID, pidToString, slotOf, generationOf, makePid, SLOT_SPACE, creationOf, CREATION_UNIT, MAX_CREATION, GENERATION_SPACE } from './pid.js';
export { BeamError, UncloneableError, type BeamErrorCode, checkTimeout } from './errors.js';
export { MAX_MESSAGE_DEPTH, deepCopy, deepCopyTransferring, isCloneable } from './copy.js';
export {
  defineProcess,
  defineActor,
  isDefinition,
  assertDefinition,
  lookupDefinition,
  loadDefinition,
  splitKey,
  type Definition,
  type ProcessDefinition,
  type ActorDefinition,
  type ActorCallbacks,
  type MessageOf,
  type ArgsOf,
  type ResultOf,
} from './definition.js';
export { TIMEOUT, type Timeout, type Context, type SpawnOptions, type MonitorSpawnOptions, type Placement } from './context.js';
export {
  type ExitReason,
  type CrashReason,
  type SchedulerDownReason,
  type ExitMessage,
  type DownMessage,
  isCrash,
  isShutdown,
  isExitMessage,
  isDownMessage,
  crashReason,
  formatReason,
} from './reasons.js';
export type { ProcessInfo, ProcessStatus } from './info.js';
export type { Signal, SignalKind } from './signals.js';
export type { Host, SpawnJob, RuntimeEvent, NameRegistry, ClusterHooks } from './host.js';
export { ProcessExit, isCpuBound } from './process.js';
export { Runtime, type RuntimeOptions, type RuntimeStats, type MigratingProcess } from './runtime.js';
export { createRuntime, type SingleThreadOptions } from './single-thread.js';
export { LocalNames } from './registry.js';
export { formatEvent, defaultReporter } from './report.js';
export { Mailbox } from './mailbox.js';
export { RunQueue } from './run-queue.js';
export { TimerCells } from './timer-cells.js';
// OTP behaviours
export * as GenServer from './behaviours/gen-server.js';
export { ExitError } from './behaviours/errors.js';
export type {
  ServerTypes,
  Server,
  ServerName,
  ServerRef,
  ServerDefinition,
  ServerCallbacks,
  ServerContext,
  From,
  InitResult,
  Ignored,
  CallResult,
  NoReplyResult,
  StartOptions,
} from './behaviours/gen-server-types.js';
export * as Supervisor from './behaviours/supervisor.js';
export * as DynamicSupervisor from './behaviours/dynamic-supervisor.js';
export type { ChildSpec, ChildSpecData, ChildArgs, RestartType, Shutdown, ChildType } from './behaviours/child-spec.js';
export type { Strategy, SupervisorOptions, DynamicSupervisorOptions, SupervisorRef, ChildInfo, ChildCounts, RefusalReason } from './behaviours/supervisor-types.js';
export * as Task from './behaviours/task.js';
export type { Task as TaskHandle, TaskOutcome, StreamOptions as TaskStreamOptions } from './behaviours/task.js';
export * as Agent from './behaviours/agent.js';
export type { Agent as AgentPid, AgentName, AgentRef, AgentFn, AgentStartOptions } from './behaviours/agent.js';
export * as GenStatem from './behaviours/gen-statem.js';
export type { Statem, StatemName, StatemTypes, StatemEvent, StatemAction, StatemResult, StatemCallbacks } from './behaviours/gen-statem-types.js';
export type { ChildSpecOptions } from './behaviours/child-spec-of.js';
export * as Registry from './behaviours/registry.js';
export type { RegistrySpec, ViaName } from './behaviours/via.js';
export * as TaskSupervisor from './behaviours/task-supervisor.js';
export * as Logger from './logger.js';
export type { LogLevel, LogEvent, LoggerOptions, LogSink } from './logger.js';
export { supervisorView, type SupervisorView, type SupervisedChildView } from './behaviours/supervisor-view.js';
