import { describe, expect, it } from 'vitest';
import { MAX_PID, checkPid, isPid, type AnyPid, type Context } from '../src/index.js';
import { quietRuntime } from './helpers.js';

// Numbers shaped wrong in every way a pid can be: negative, fractional, not finite, too large to be exact.
const BAD_NUMBERS: unknown[] = [-1, 0.5, Number.NaN, Infinity, -Infinity, MAX_PID + 1, 2 ** 60];
// Not numbers at all: wrong for the calls that take only a pid (send also takes names and aliases).
const NOT_NUMBERS: unknown[] = ['1', null, {}];
const BAD_PIDS = [...BAD_NUMBERS, ...NOT_NUMBERS];
// link and monitor also take a registered name (as OTP): a string is a name there, not a bad pid.
const BAD_PIDS_OR_NAMES = BAD_PIDS.filter((value) => typeof value !== 'string');

const anInvalidPidError = (value: unknown) =>
  expect.objectContaining({
    code: 'ERR_INVALID_ARGUMENT',
    message: expect.stringMatching(new RegExp(`needs a pid \\(a non-negative integer.*got ${escape(value)}`)),
  });

function escape(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' && value !== null ? 'a Object' : String(value);
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every entry point of a context that takes a pid. */
const entryPoints: Record<string, [(ctx: Context<unknown>, pid: AnyPid) => unknown, unknown[]]> = {
  send: [(ctx, pid) => ctx.send(pid, 'hello'), BAD_NUMBERS],
  sendToAlias: [(ctx, pid) => ctx.send({ $alias: 1, pid }, 'hello'), BAD_NUMBERS],
  sendAfter: [(ctx, pid) => ctx.sendAfter(pid, 'hello', 10), BAD_NUMBERS],
  isAlive: [(ctx, pid) => ctx.isAlive(pid), BAD_PIDS],
  processInfo: [(ctx, pid) => ctx.processInfo(pid), BAD_PIDS],
  link: [(ctx, pid) => ctx.link(pid), BAD_PIDS_OR_NAMES],
  unlink: [(ctx, pid) => ctx.unlink(pid), BAD_PIDS],
  monitor: [(ctx, pid) => ctx.monitor(pid), BAD_PIDS_OR_NAMES],
  exit: [(ctx, pid) => ctx.exit(pid, 'kill'), BAD_PIDS],
  register: [(ctx, pid) => ctx.register('validated', pid), BAD_PIDS],
};

describe('pid validation', () => {
  it('isPid accepts exactly the non-negative safe integers', () => {
    expect([0, 1, 4194304, MAX_PID].every(isPid)).toBe(true);
    expect(BAD_PIDS.some(isPid)).toBe(false);
    expect(() => checkPid(-1, 'here')).toThrow(/here needs a pid .* got -1/);
  });

  for (const [name, [call, badValues]] of Object.entries(entryPoints)) {
    it(`ctx.${name} rejects a malformed pid with ERR_INVALID_ARGUMENT naming the value, never a raw RangeError`, async () => {
      const { rt, me } = quietRuntime();
      for (const bad of badValues) {
        let thrown: unknown;
        try {
          call(me, bad as AnyPid);
        } catch (error) {
          thrown = error;
        }
        expect(thrown, `ctx.${name}(${String(bad)})`).toEqual(anInvalidPidError(bad));
      }
      // The caller is unharmed and nothing was half-done.
      expect(me.isAlive(me.self)).toBe(true);
      expect(me.whereis('validated')).toBeUndefined();
      await rt.stop(50);
    });
  }

  it('isAlive(pid + 0.5) is an error, not an answer about pid', async () => {
    const { rt, me } = quietRuntime();
    expect(me.isAlive(me.self)).toBe(true);
    expect(() => me.isAlive(me.self + 0.5)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    await rt.stop(50);
  });
});
