import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The page's files: our own (`observer-ui/` in the package) and uPlot's, straight from the
 * installed `uplot` package. No CDN (the page works offline and behind firewalls) and no
 * build step: the page is plain HTML, CSS and an ES module.
 */
const UI_DIR = fileURLToPath(new URL('../../observer-ui/', import.meta.url));
const UPLOT_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

const FILES: Record<string, [string, string]> = {
  '/': [path.join(UI_DIR, 'index.html'), 'text/html; charset=utf-8'],
  '/assets/app.js': [path.join(UI_DIR, 'app.js'), 'text/javascript; charset=utf-8'],
  '/assets/style.css': [path.join(UI_DIR, 'style.css'), 'text/css; charset=utf-8'],
  '/assets/uPlot.js': [path.join(UPLOT_DIR, 'uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
  '/assets/uPlot.css': [path.join(UPLOT_DIR, 'uPlot.min.css'), 'text/css; charset=utf-8'],
};

const cache = new Map<string, Buffer>();

/** The file served at `urlPath`, with its content type; undefined if there is none. */
export async function asset(urlPath: string): Promise<{ body: Buffer; type: string } | undefined> {
  const entry = FILES[urlPath];
  if (!entry) return undefined;
  const [file, type] = entry;
  let body = cache.get(file);
  if (!body) {
    body = await readFile(file);
    cache.set(file, body);
  }
  return { body, type };
}
