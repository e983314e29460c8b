import { describe, expect, it } from 'vitest';
import { Logger, createRuntime, defineProcess, type Context, type RuntimeEvent } from '../src/index.js';

export const chatty = defineProcess(import.meta.url, 'chatty', (ctx: Context<never>) => {
  Logger.debug(ctx, 'fine detail');
  Logger.info(ctx, 'started', { port: 8080 });
  Logger.warning(ctx, 'slow disk');
});

export const crashing = defineProcess(import.meta.url, 'crashingLogger', (): never => {
  throw new Error('kaput');
});

describe('Logger', () => {
  it('a process logs with its pid and definition name; the logger drops what is below its level', async () => {
    const lines: string[] = [];
    const rt = createRuntime({ logger: Logger.create({ level: 'info', write: (l) => lines.push(l) }) });
    const me = rt.mailbox<any>();
    const pid = me.spawn(chatty);
    for (let i = 0; i < 50 && lines.length < 2; i++) await me.sleep(1);
    const shown = `<${pid % 0x400000}.${Math.floor(pid / 0x400000)}>`;
    expect(lines).toEqual([`[info] ${shown} (chatty) started {"port":8080}`, `[warning] ${shown} (chatty) slow disk`]);
    await rt.stop();
  });

  it('crash reports are errors: kept at level error while info lines are dropped; JSON carries time, level, pid, name and the reason', async () => {
    const lines: string[] = [];
    const rt = createRuntime({ logger: Logger.create({ level: 'error', format: 'json', write: (l) => lines.push(l) }) });
    const me = rt.mailbox<any>();
    me.spawn(chatty);
    const pid = me.spawn(crashing);
    for (let i = 0; i < 50 && lines.length < 1; i++) await me.sleep(1);
    expect(lines).toHaveLength(1);
    const json = JSON.parse(lines[0]!);
    expect(json).toMatchObject({ level: 'error', type: 'crash', name: 'crashingLogger', message: `Process <${pid}.0> (crashingLogger) terminating`, reason: { error: 'kaput', name: 'Error' } });
    expect(typeof json.time).toBe('string');
    await rt.stop();
  });

  it('levels of runtime events, and bad options name the choices', () => {
    const event = (e: RuntimeEvent) => Logger.levelOf(e);
    expect(event({ type: 'long_schedule', pid: 1, name: 'x', ms: 200 })).toBe('warning');
    expect(event({ type: 'crash', pid: 1, name: 'x', key: 'k', reason: 'boom' })).toBe('error');
    expect(() => Logger.create({ level: 'verbose' as never })).toThrow(/debug, info, notice, warning, error/);
    expect(() => Logger.create({ format: 'xml' as never })).toThrow(/'text' or 'json'/);
    expect(() => Logger.log({} as never, 'loud' as never, 'x')).toThrow(/must be one of/);
  });
});
