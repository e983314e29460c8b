import type { MessagePort, TransferListItem } from 'node:worker_threads';
import type { Endpoint } from 'comlink';

type Handler = ((event: MessageEvent) => void) | { handleEvent(event: MessageEvent): void };

/**
 * comlink speaks the browser's `addEventListener('message', e => e.data)`; Node's ports emit
 * `'message'` with the data itself. This adapts one to the other (comlink's own node adapter
 * ships without ESM typings).
 */
export function nodeEndpoint(port: MessagePort): Endpoint {
  const wrapped = new WeakMap<object, (data: unknown) => void>();
  return {
    postMessage: (message: unknown, transfer?: TransferListItem[]) => port.postMessage(message, transfer as never),
    addEventListener(_type: string, handler: any) {
      const listener = (data: unknown) => {
        const event = { data } as MessageEvent;
        if (typeof handler === 'function') handler(event);
        else handler.handleEvent(event);
      };
      wrapped.set(handler, listener);
      port.on('message', listener);
    },
    removeEventListener(_type: string, handler: any) {
      const listener = wrapped.get(handler);
      if (listener) port.off('message', listener);
    },
    start: () => port.start(),
  };
}
