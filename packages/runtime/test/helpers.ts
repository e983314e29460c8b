import { createRuntime, type ExitError, type RuntimeEvent } from '../src/index.js';

/** A single-thread runtime whose reports are collected instead of printed. */
export function quietRuntime() {
  const reports: RuntimeEvent[] = [];
  const rt = createRuntime({ onReport: (e) => reports.push(e) });
  return { rt, reports, me: rt.mailbox<any>() };
}

export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<ExitError> {
  try {
    await promise;
  } catch (err) {
    return err as ExitError;
  }
  throw new Error('expected a rejection');
}
