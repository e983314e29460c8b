import { describe, expect, it } from 'vitest';
import { runOptions } from './fixtures/run-options.js';
import { UsageError } from '../packages/cli/src/errors.js';
import { startVM } from '@beamjs/scheduler';


describe('beamjs run --node --cluster, and cluster options', () => {
  it('--node and --cluster (both spellings) make a cluster node; without them, none', () => {
    expect(runOptions('--node', 'a', '--cluster', 'nats://u:p@127.0.0.1:4222').cluster).toEqual({ node: 'a', url: 'nats://u:p@127.0.0.1:4222' });
    expect(runOptions('--node=b', '--cluster=nats://127.0.0.1:4222?downAfterMs=1500').cluster).toEqual({ node: 'b', url: 'nats://127.0.0.1:4222?downAfterMs=1500' });
    expect(runOptions().cluster).toBeUndefined();
  });

  it('one without the other is a usage error that shows both', () => {
    expect(() => runOptions('--node', 'a')).toThrow(UsageError);
    expect(() => runOptions('--cluster', 'nats://127.0.0.1:4222')).toThrow(/--node a --cluster nats:/);
  });

  it('bad cluster options fail before anything connects, naming the option', async () => {
    await expect(startVM({ schedulers: 1, node: 'a', cluster: 'nats://127.0.0.1:1?downAfterMs=100&heartbeatMs=500' })).rejects.toThrow(/at least twice heartbeatMs/);
    await expect(startVM({ schedulers: 1, node: 'a', cluster: 'nats://127.0.0.1:1?beat=1' })).rejects.toThrow(/unknown cluster URL option 'beat'/);
    await expect(startVM({ schedulers: 1, cluster: 'nats://127.0.0.1:1' })).rejects.toThrow(/needs a name/);
  });

  it('an unreachable NATS server is a clear error that does not print the credentials', async () => {
    const err = await startVM({ schedulers: 1, node: 'a', cluster: 'nats://secret:pw@127.0.0.1:1' }).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'ERR_CLUSTER', message: expect.stringContaining('cannot reach') });
    expect((err as Error).message).not.toContain('secret');
  });
});
