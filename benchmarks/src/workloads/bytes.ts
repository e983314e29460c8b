/** A job that only looks at the size of the buffer it was given: what moving the buffer costs, nothing else. */
import { defineProcess, type Context } from '@beamjs/runtime';

export const byteLengthJob = defineProcess(import.meta.url, 'byteLengthJob', (_ctx: Context<never>, buffer: ArrayBuffer) => buffer.byteLength);
