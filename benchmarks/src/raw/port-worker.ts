/** Inside a raw baseline worker: plain postMessage over the MessagePort it is given. */
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { Command, Event, Item, Role, StreamStart } from './protocol.js';

const toMain = (event: Event): void => parentPort!.postMessage(event);

function source(port: MessagePort, count: number, batch: number): void {
  port.postMessage({ t: 'start', count } satisfies StreamStart);
  if (batch <= 1) {
    for (let i = 0; i < count; i++) port.postMessage({ seq: i } satisfies Item);
    return;
  }
  for (let first = 0; first < count; first += batch) {
    const end = Math.min(count, first + batch);
    const items: Item[] = new Array(end - first);
    for (let i = first; i < end; i++) items[i - first] = { seq: i };
    port.postMessage(items);
  }
}

function sink(port: MessagePort): void {
  let expected = 0;
  let received = 0;
  let inOrder = true;
  const take = (item: Item): void => {
    if (item.seq !== received) inOrder = false;
    received++;
  };
  port.on('message', (m: StreamStart | Item | Item[]) => {
    if (Array.isArray(m)) for (const item of m) take(item);
    else if ('t' in m) {
      expected = m.count;
      received = 0;
      inOrder = true;
      return;
    } else take(m);
    if (received === expected) toMain({ kind: 'received', count: received, inOrder });
  });
}

function pinger(port: MessagePort): (rounds: number) => void {
  let rounds = 0;
  let expected = 0;
  let inOrder = true;
  port.on('message', (i: number) => {
    if (i !== expected) inOrder = false;
    expected++;
    if (expected < rounds) port.postMessage(expected);
    else toMain({ kind: 'pinged', rounds, inOrder });
  });
  return (n: number) => {
    rounds = n;
    expected = 0;
    inOrder = true;
    port.postMessage(0);
  };
}

function ponger(port: MessagePort): void {
  port.on('message', (i: number) => port.postMessage(i));
}

let role: Role | undefined;
let port: MessagePort | undefined;
let startPings: ((rounds: number) => void) | undefined;

parentPort!.on('message', (cmd: Command) => {
  switch (cmd.kind) {
    case 'init':
      role = cmd.role;
      port = cmd.port;
      if (role === 'sink') sink(port);
      else if (role === 'pinger') startPings = pinger(port);
      else if (role === 'ponger') ponger(port);
      toMain({ kind: 'ready' });
      return;
    case 'stream':
      source(port!, cmd.count, cmd.batch);
      return;
    case 'pingpong':
      startPings!(cmd.rounds);
      return;
  }
});
