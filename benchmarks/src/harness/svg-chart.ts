/**
 * speedup.svg: speedup over one plain thread against the number of schedulers, one line per
 * CPU-bound workload, with the ideal line (linear up to the core count, flat after) and
 * piscina's point. Hand-written SVG: no charting dependency.
 */
import type { Measurement } from './results.js';
import { CPU_WORKLOADS, speedup } from './targets.js';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

export interface ChartInput {
  measurements: readonly Measurement[];
  cores: number;
  sweep: readonly number[];
  title: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function speedupChart({ measurements, cores, sweep, title }: ChartInput): string {
  const W = 720;
  const H = 440;
  const left = 60;
  const right = 220;
  const top = 50;
  const bottom = 60;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const counts = [...sweep].sort((a, b) => a - b);

  const series: { name: string; points: [number, number][]; pool?: number }[] = [];
  for (const w of CPU_WORKLOADS) {
    const base = measurements.find((m) => m.workload === w && m.runner === 'thread');
    if (!base) continue;
    const points: [number, number][] = [];
    for (const s of counts) {
      const m = measurements.find((o) => o.workload === w && o.runner === `vm-${s}`);
      if (m) points.push([s, speedup(m, base)]);
    }
    const pis = measurements.find((o) => o.workload === w && o.runner === `piscina-${cores}`);
    if (points.length > 0) series.push({ name: w, points, pool: pis ? speedup(pis, base) : undefined });
  }

  const highest = Math.max(cores, ...series.flatMap((s) => [...s.points.map((p) => p[1]), s.pool ?? 0]));
  const yMax = Math.ceil(highest + 0.25);
  // Scheduler counts are evenly spaced (1, 2, 4, 8: a log2 axis).
  const x = (s: number): number => left + (counts.length === 1 ? plotW / 2 : (counts.indexOf(s) / (counts.length - 1)) * plotW);
  const y = (v: number): number => top + plotH - (v / yMax) * plotH;
  const xAt = (s: number): number => {
    // Position of a count that may sit between two sweep points (the core count, for piscina).
    const i = counts.findIndex((c) => c >= s);
    if (i <= 0) return x(counts[Math.max(0, i)]);
    const [a, b] = [counts[i - 1], counts[i]];
    return x(a) + ((Math.log2(s) - Math.log2(a)) / (Math.log2(b) - Math.log2(a))) * (x(b) - x(a));
  };

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`);
  for (let v = 0; v <= yMax; v++) {
    parts.push(`<line x1="${left}" y1="${y(v)}" x2="${left + plotW}" y2="${y(v)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${left - 8}" y="${y(v) + 4}" text-anchor="end">${v}x</text>`);
  }
  for (const s of counts) {
    parts.push(`<line x1="${x(s)}" y1="${top}" x2="${x(s)}" y2="${top + plotH}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${x(s)}" y="${top + plotH + 18}" text-anchor="middle">${s}</text>`);
  }
  parts.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>`);
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>`);
  parts.push(`<text x="${left + plotW / 2}" y="${H - 18}" text-anchor="middle">schedulers (${cores} cores)</text>`);
  parts.push(`<text x="16" y="${top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${top + plotH / 2})">speedup vs 1 plain thread</text>`);

  // Ideal: linear up to the number of cores, flat beyond.
  const ideal = counts.map((s) => `${x(s)},${y(Math.min(s, cores))}`).join(' ');
  parts.push(`<polyline points="${ideal}" fill="none" stroke="#999" stroke-dasharray="6 4" stroke-width="1.5"/>`);

  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    parts.push(`<polyline points="${s.points.map(([c, v]) => `${x(c)},${y(v)}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const [c, v] of s.points) parts.push(`<circle cx="${x(c)}" cy="${y(v)}" r="3.5" fill="${colour}"><title>${esc(s.name)}: ${c} schedulers, ${v.toFixed(2)}x</title></circle>`);
    if (s.pool !== undefined) {
      const px = xAt(cores);
      const py = y(s.pool);
      parts.push(`<rect x="${px - 4}" y="${py - 4}" width="8" height="8" fill="none" stroke="${colour}" stroke-width="1.5"><title>${esc(s.name)}: piscina, ${cores} threads, ${s.pool.toFixed(2)}x</title></rect>`);
    }
  });

  // Legend.
  const lx = left + plotW + 20;
  let ly = top + 10;
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const last = s.points[s.points.length - 1];
    parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`);
    parts.push(`<text x="${lx + 28}" y="${ly + 4}">${esc(s.name)} (${last[1].toFixed(2)}x at ${last[0]})</text>`);
    ly += 20;
  });
  parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="#999" stroke-dasharray="6 4" stroke-width="1.5"/>`);
  parts.push(`<text x="${lx + 28}" y="${ly + 4}">ideal</text>`);
  ly += 20;
  parts.push(`<rect x="${lx + 7}" y="${ly - 4}" width="8" height="8" fill="none" stroke="#333" stroke-width="1.5"/>`);
  parts.push(`<text x="${lx + 28}" y="${ly + 4}">piscina, ${cores} threads</text>`);
  if (series.length === 0) parts.push(`<text x="${left + plotW / 2}" y="${top + plotH / 2}" text-anchor="middle" fill="#999">no CPU-bound workload in this run</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
