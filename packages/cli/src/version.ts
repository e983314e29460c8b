import { readFileSync } from 'node:fs';

/** The version in this package's package.json (dist/ and src/ are both one level below it). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
