#!/usr/bin/env node
// The `beamjs` command. It lives outside dist/ so that `pnpm install` on a fresh clone can link
// it into node_modules/.bin before anything is built (pnpm skips a bin whose file is missing);
// the CLI itself is compiled to dist/.
try {
  await import('../dist/bin.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
  process.stderr.write(`beamjs: the CLI is not built yet: run pnpm build (${err.message})\n`);
  process.exit(1);
}
