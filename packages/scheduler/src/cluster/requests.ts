/**
 * The messages between a process and its node's net kernel (kernel.ts): plain data, sent
 * through the VM like any message, so a process on any scheduler thread can ask.
 */
export const KERNEL_NAME = 'beamjs_net_kernel';

export type KernelRequest =
  | { $net: 'monitorNode'; from: number; node: string; all: boolean }
  | { $net: 'spawnOn'; from: number; ref: number; node: string; key: string; args: unknown[]; link: boolean; monitorRef?: number }
  | { $net: 'registerGlobal'; from: number; ref: number; name: string; pid: number }
  | { $net: 'unregisterGlobal'; from: number; ref: number; name: string };

export type KernelReply = { $netReply: number; value: unknown } | { $netReply: number; error: { code: string; message: string } };

export function isKernelRequest(msg: unknown): msg is KernelRequest {
  return typeof msg === 'object' && msg !== null && typeof (msg as { $net?: unknown }).$net === 'string';
}

export function isReplyTo(ref: number): (msg: unknown) => msg is KernelReply {
  return (msg: unknown): msg is KernelReply => typeof msg === 'object' && msg !== null && (msg as { $netReply?: unknown }).$netReply === ref;
}
