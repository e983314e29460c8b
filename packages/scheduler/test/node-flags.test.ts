import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./fixtures/heap-limit.mjs', import.meta.url));

describe('startVM under Node flags that worker threads refuse', () => {
  it('starts with --max-old-space-size, --expose-gc, --stack-size, --max-semi-space-size, and maps the heap flags to resourceLimits', () => {
    const run = spawnSync(
      process.execPath,
      ['--max-old-space-size=200', '--expose-gc', '--stack-size=2000', '--max-semi-space-size=4', '--enable-source-maps', script],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const { limits, gc } = JSON.parse(run.stdout) as { limits: number[]; gc: string };
    expect(gc).toBe('function'); // the main thread keeps its flags
    // Each scheduler's heap: 200 MB old generation + 12 MB young (V8's default is 2 GB or more).
    for (const mb of limits) expect(mb).toBeLessThan(400);
  });

});
