/**
 * Chat sessions: a GenStatem per user, found by name through a Registry, and rooms as pub/sub
 * on a second (duplicate-key) Registry.
 *
 *     top (Supervisor)
 *     ├── chat.sessions (Registry, unique keys): user -> session
 *     ├── chat.rooms    (Registry, duplicate keys): room -> members (pub/sub)
 *     └── sessions      (DynamicSupervisor): one session per user, named { via: sessions, user }
 *
 * A session is a connection state machine: `connecting` dials its (simulated) server, failing
 * the first few times and waiting a doubling backoff (a state timeout) between dials, then
 * `connected`, where it joins its room. Messages sent to a user before the session is
 * connected wait (postponed) and are delivered, in order, once it is.
 *
 *     beamjs run examples/chat-sessions.ts             # 6 users, up to 3 failed dials each
 *     beamjs run examples/chat-sessions.ts -- 20 4     # users, most failed dials
 *     beamjs run examples/chat-sessions.ts --log-level=debug --log-format=json
 */
import { DynamicSupervisor, GenStatem, Logger, Registry, Supervisor, type Context } from '@beamjs/runtime';

export const sessions = Registry.define<string>('chat.sessions', { keys: 'unique' });
export const rooms = Registry.define<string, { user: string }>('chat.rooms', { keys: 'duplicate' });

interface Session {
  states: 'connecting' | 'connected';
  data: { user: string; room: string; dials: number; failures: number; inbox: string[] };
  args: [user: string, room: string, failures: number];
  calls: { deliver(req: { text: string }): number; inbox(): { dials: number; inbox: string[] } };
  cast: { type: 'say'; text: string };
}

const BACKOFF_MS = 5;

export const session = GenStatem.define<Session>(import.meta.url, 'session', {
  init: (_ctx, user, room, failures) => ({ state: 'connecting', data: { user, room, dials: 0, failures, inbox: [] } }),
  stateEnter: true,
  states: {
    connecting: (ctx, ev, data) => {
      // Entering dials at once; a failed dial waits out a doubling backoff, then dials again.
      if (ev.type === 'enter') return { keep: true, actions: [{ stateTimeout: 0 }] };
      if (ev.type === 'stateTimeout') {
        const dials = data.dials + 1;
        if (dials > data.failures) return { next: 'connected', data: { ...data, dials } };
        const backoff = BACKOFF_MS * 2 ** (dials - 1);
        Logger.debug(ctx, `${data.user}: dial ${dials} failed, retrying in ${backoff} ms`, { user: data.user });
        return { keep: true, data: { ...data, dials }, actions: [{ stateTimeout: backoff }] };
      }
      // Calls and room messages wait until the session is connected.
      return { keep: true, actions: ['postpone'] };
    },
    connected: async (ctx, ev, data) => {
      switch (ev.type) {
        case 'enter':
          await Registry.register(ctx, rooms, data.room, { user: data.user });
          Logger.info(ctx, `${data.user} connected after ${data.dials} dials, joined ${data.room}`, { user: data.user });
          return { keep: true };
        case 'cast':
          return { keep: true, data: { ...data, inbox: [...data.inbox, ev.request.text] } };
        case 'call':
          if (ev.request.type === 'inbox') return { keep: true, actions: [GenStatem.reply(ev.from, { dials: data.dials, inbox: data.inbox })] };
          return {
            keep: true,
            data: { ...data, inbox: [...data.inbox, ev.request.text] },
            actions: [GenStatem.reply(ev.from, data.inbox.length + 1)],
          };
        default:
          return { keep: true };
      }
    },
  },
});

export async function main(ctx: Context<unknown>, args: string[]): Promise<void> {
  const users = Number(args[0] ?? 6);
  const maxFailures = Number(args[1] ?? 3);
  await Supervisor.startLink(ctx, [
    Registry.childSpec(sessions),
    Registry.childSpec(rooms),
    DynamicSupervisor.childSpec('sessions', { name: 'sessions' }),
  ]);
  const names = Array.from({ length: users }, (_, i) => `user${i}`);
  for (const [i, user] of names.entries()) {
    const room = i % 2 === 0 ? 'lobby' : 'games';
    await DynamicSupervisor.startChild(ctx, 'sessions', GenStatem.childSpec(session, [user, room, i % (maxFailures + 1)], { name: Registry.via(sessions, user) }));
  }
  // By name, at once: each call waits in its session until it is connected.
  for (const user of names) await GenStatem.call(ctx, Registry.via<Session>(sessions, user), { type: 'deliver', text: `welcome ${user}` });
  // Pub/sub: everyone in the lobby hears it.
  await Registry.dispatch(ctx, rooms, 'lobby', (members) => {
    for (const [pid] of members) GenStatem.cast(ctx, pid as GenStatem.Statem<Session>, { type: 'say', text: 'hello lobby' });
  });
  for (const user of names) {
    const { dials, inbox } = await GenStatem.call(ctx, Registry.via<Session>(sessions, user), { type: 'inbox' });
    console.log(`${user} (${dials} dial${dials === 1 ? '' : 's'}): ${inbox.join(', ')}`);
  }
  Logger.notice(ctx, `${users} sessions served`, { lobby: (await Registry.lookup(ctx, rooms, 'lobby')).length });
}
