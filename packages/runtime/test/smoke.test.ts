import { describe, expect, it } from 'vitest';
import { createRuntime, defineProcess, isDownMessage, type Context, type Pid } from '../src/index.js';

const echo = defineProcess(import.meta.url, 'echo', async (ctx: Context<{ from: Pid<string>; text: string }>) => {
  const { from, text } = await ctx.receive();
  ctx.send(from, text.toUpperCase());
});

describe('a process', () => {
  it('receives a message and answers the sender', async () => {
    const rt = createRuntime();
    const me = rt.mailbox<string>();
    const pid = rt.spawn(echo);
    me.send(pid, { from: me.self, text: 'hello' });
    expect(await me.receive()).toBe('HELLO');
    const ref = me.monitor(pid);
    const down = await me.receive(isDownMessage as (m: unknown) => m is never);
    expect(down).toMatchObject({ ref, pid });
    await rt.stop();
  });
});
