/**
 * The report: one row per (workload, runner) with the median, the range over the runs and
 * the ratios to the workload's baseline and to piscina; then the targets. Rendered as
 * aligned text for the terminal and as markdown for results/latest.md.
 */
import type { Measurement } from './results.js';
import { formatCount, speedup, type TargetResult } from './targets.js';

export interface Table {
  headers: string[];
  /** Columns aligned right (numbers). */
  right: boolean[];
  rows: string[][];
  /** Rows share their first cell by runs (workloads): shown once, with a gap between runs. */
  grouped?: boolean;
}

export function formatValue(v: number, unit: string): string {
  if (!Number.isFinite(v)) return String(v);
  if (unit === 'ms') return v >= 100 ? `${v.toFixed(0)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`;
  if (unit.startsWith('B/')) return `${v.toFixed(0)} ${unit}`;
  return `${formatCount(v)} ${unit}`;
}

function formatRange(m: Measurement): string {
  if (m.spread) return m.spread;
  if (m.samples.length <= 1) return '(1 run)';
  const short = (v: number): string => formatValue(v, m.unit).replace(/ .*$/, '');
  return `${short(m.min)}–${short(m.max)}`;
}

export function measurementTable(all: readonly Measurement[], cores: number): Table {
  const pool = `piscina-${cores}`;
  const rows = all.map((m) => {
    const base = m.baseline ? all.find((o) => o.workload === m.workload && o.runner === m.baseline) : undefined;
    const pis = all.find((o) => o.workload === m.workload && o.runner === pool);
    const vsBase = !base ? '' : base === m ? 'baseline' : `${speedup(m, base).toFixed(2)}x`;
    const vsPool = !pis || pis === m ? '' : `${speedup(m, pis).toFixed(2)}x`;
    return [m.workload, m.runner, formatValue(m.median, m.unit), formatRange(m), vsBase, vsPool];
  });
  return {
    headers: ['workload', 'runner', 'median', 'min–max', 'vs baseline', 'vs piscina'],
    right: [false, false, true, true, true, true],
    rows,
    grouped: true,
  };
}

export function targetTable(targets: readonly TargetResult[]): Table {
  return {
    headers: ['target', 'goal', 'measured', 'status'],
    right: [false, false, true, false],
    rows: targets.map((t) => [t.target, t.goal, t.measured, t.met === undefined ? 'n/a' : t.met ? 'met' : 'MISSED']),
  };
}

/** The workloads' sizes and descriptions, once each. */
export function workloadNotes(all: readonly Measurement[]): string[] {
  const seen = new Map<string, string>();
  for (const m of all) if (m.note && !seen.has(m.workload)) seen.set(m.workload, m.note);
  return [...seen].map(([w, note]) => `${w}: ${note}`);
}

export function toText(table: Table): string {
  const widths = table.headers.map((h, c) => Math.max(h.length, ...table.rows.map((r) => r[c].length)));
  const line = (cells: string[]): string =>
    cells.map((cell, c) => (table.right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  const out = [line(table.headers), widths.map((w) => '-'.repeat(w)).join('  ')];
  let previous = '';
  for (const row of table.rows) {
    if (!table.grouped) {
      out.push(line(row));
      continue;
    }
    // A thin gap between workloads, and the workload's name only on its first row.
    const same = row[0] === previous;
    if (!same && previous !== '') out.push('');
    out.push(line(same ? ['', ...row.slice(1)] : row));
    previous = row[0];
  }
  return out.join('\n');
}

export function toMarkdown(table: Table): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const out = [`| ${table.headers.map(esc).join(' | ')} |`, `| ${table.right.map((r) => (r ? '---:' : '---')).join(' | ')} |`];
  for (const row of table.rows) out.push(`| ${row.map(esc).join(' | ')} |`);
  return out.join('\n');
}
