import { createRuntime, type RuntimeEvent } from '../src/index.js';

/** A single-thread runtime whose reports are collected instead of printed. */
export function quietRuntime() {
  const reports: RuntimeEvent[] = [];
  const rt = createRuntime({ onReport: (e) => reports.push(e) });
  return { rt, reports, me: rt.mailbox<any>() };
}

export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
