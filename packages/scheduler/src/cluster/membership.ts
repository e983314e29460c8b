import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { NodeTable } from './node-table.js';
import { subjects, type ResolvedClusterOptions } from './options.js';

interface Heartbeat {
  name: string;
  creation: number;
  /** A node that just started: everyone answers with a heartbeat at once, so it sees them without waiting a period. */
  hello?: boolean;
}

/** "`creation` is down for node `by`" (`by === creation`: it leaves, or lost messages and starts over). */
interface DownNotice {
  creation: number;
  by: number;
}

export interface MembershipEvents {
  up(creation: number, name: string): void;
  down(creation: number, name: string): void;
}

/**
 * Which nodes are up, by heartbeats on one core-NATS subject. A node not heard from for
 * `downAfterMs` is down (detection within `downAfterMs + heartbeatMs`); a node down for us is
 * told so (the down subject), and drops its links to us as well, so both sides agree, as when
 * an Erlang distribution connection breaks. A node that is heard again comes up again (same
 * creation: its pids were never reused); a restarted node has a new creation.
 *
 * Losing the NATS connection (a network failure, or the server dropping us as a slow
 * consumer, which also drops messages) means every other node is down for us; once back, we
 * announce it, so the others declare us down too instead of missing what was lost.
 */
export class Membership {
  private readonly peers = new Map<number, { name: string; lastSeen: number; up: boolean }>();
  private readonly subs: Subscription[] = [];
  private beat: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private readonly s;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: ResolvedClusterOptions,
    private readonly self: number,
    private readonly table: NodeTable,
    private readonly events: MembershipEvents,
  ) {
    this.s = subjects(options.prefix);
    table.markUp(self, options.node);
  }

  start(): void {
    this.subs.push(this.nc.subscribe(this.s.heartbeat, { callback: (err, msg) => { if (!err) this.onHeartbeat(msg.json<Heartbeat>()); } }));
    this.subs.push(this.nc.subscribe(this.s.down, { callback: (err, msg) => { if (!err) this.onDown(msg.json<DownNotice>()); } }));
    this.publishHeartbeat(true);
    this.beat = setInterval(() => {
      this.publishHeartbeat(false);
      this.check();
    }, this.options.heartbeatMs);
    this.beat.unref();
    void this.watchConnection();
  }

  /**
   * The nodes registered when we joined, pinged on their control subject: those that answer
   * are up before `startVM` returns, so a first send to them is not lost to a period of
   * waiting for their heartbeat. A dead one answers nothing (no responders: at once).
   */
  async discover(registered: readonly { name: string; creation: number }[]): Promise<void> {
    const timeout = Math.min(this.options.downAfterMs, 2000);
    await Promise.all(
      registered
        .filter((node) => node.creation !== this.self)
        .map((node) =>
          this.nc.request(this.s.control(node.creation), JSON.stringify({ op: 'ping' }), { timeout }).then(
            () => this.onHeartbeat({ name: node.name, creation: node.creation }),
            () => {},
          ),
        ),
    );
  }

  upNames(): string[] {
    return this.table.upNames(this.self);
  }

  /** A clean leave: everyone declares us down now, not after the detection bound. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.beat);
    if (!this.nc.isClosed()) {
      this.nc.publish(this.s.down, JSON.stringify({ creation: this.self, by: this.self } satisfies DownNotice));
      await this.nc.flush().catch(() => {});
    }
    for (const sub of this.subs) sub.unsubscribe();
  }

  private publishHeartbeat(hello: boolean): void {
    if (this.nc.isClosed() || this.stopped) return;
    this.nc.publish(this.s.heartbeat, JSON.stringify({ name: this.options.node, creation: this.self, hello: hello || undefined } satisfies Heartbeat));
  }

  private onHeartbeat(beat: Heartbeat): void {
    if (beat.creation === this.self || this.stopped) return;
    const peer = this.peers.get(beat.creation);
    if (peer) {
      peer.lastSeen = performance.now();
      if (!peer.up) this.markUp(beat.creation, peer);
    } else {
      const fresh = { name: beat.name, lastSeen: performance.now(), up: false };
      this.peers.set(beat.creation, fresh);
      this.markUp(beat.creation, fresh);
    }
    if (beat.hello) this.publishHeartbeat(false);
  }

  private markUp(creation: number, peer: { name: string; up: boolean }): void {
    peer.up = true;
    this.table.markUp(creation, peer.name);
    this.events.up(creation, peer.name);
  }

  private onDown(notice: DownNotice): void {
    if (this.stopped) return;
    if (notice.by === notice.creation) this.declareDown(notice.creation, false);
    else if (notice.creation === this.self) this.declareDown(notice.by, false);
  }

  private check(): void {
    const now = performance.now();
    for (const [creation, peer] of this.peers) {
      if (peer.up && now - peer.lastSeen > this.options.downAfterMs) this.declareDown(creation, true);
    }
  }

  declareDown(creation: number, tell: boolean): void {
    const peer = this.peers.get(creation);
    if (!peer?.up) return;
    peer.up = false;
    this.table.markDown(creation);
    if (tell && !this.nc.isClosed()) this.nc.publish(this.s.down, JSON.stringify({ creation, by: this.self } satisfies DownNotice));
    this.events.down(creation, peer.name);
  }

  private async watchConnection(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (this.stopped) return;
      if (status.type === 'disconnect') {
        for (const creation of this.peers.keys()) this.declareDown(creation, false);
      }
      if (status.type === 'reconnect') {
        // Messages to us may have been dropped: the others must not carry on as if not.
        this.nc.publish(this.s.down, JSON.stringify({ creation: this.self, by: this.self } satisfies DownNotice));
      }
    }
  }
}
