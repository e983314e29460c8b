/**
 * The Mandelbrot set over a SharedArrayBuffer: each job computes a band of rows and writes
 * the escape iteration of every pixel straight into the shared image (no copy of the
 * output), and returns the sum of its band as a checksum.
 */
import { defineProcess, type Context } from '@beamjs/runtime';

export interface MandelbrotImage {
  width: number;
  height: number;
  maxIter: number;
}

/** A job: the shared image (Int32 per pixel), its geometry, and the rows [y0, y1). */
export type MandelbrotBand = [image: SharedArrayBuffer, geometry: MandelbrotImage, y0: number, y1: number];

export function newImage(image: MandelbrotImage): SharedArrayBuffer {
  return new SharedArrayBuffer(image.width * image.height * Int32Array.BYTES_PER_ELEMENT);
}

/** Computes rows [y0, y1) of the view [-2, 1] x [-1.2, 1.2] into `pixels`; returns their sum. */
export function mandelbrotRows(pixels: Int32Array, image: MandelbrotImage, y0: number, y1: number): number {
  const { width, height, maxIter } = image;
  let sum = 0;
  for (let y = y0; y < y1; y++) {
    const ci = -1.2 + (2.4 * y) / height;
    for (let x = 0; x < width; x++) {
      const cr = -2 + (3 * x) / width;
      let zr = 0;
      let zi = 0;
      let i = 0;
      while (i < maxIter) {
        const zr2 = zr * zr;
        const zi2 = zi * zi;
        if (zr2 + zi2 > 4) break;
        zi = 2 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        i++;
      }
      pixels[y * width + x] = i;
      sum += i;
    }
  }
  return sum;
}

/** Bands of `rows` rows that cover the image. */
export function mandelbrotBands(buffer: SharedArrayBuffer, image: MandelbrotImage, rows: number): MandelbrotBand[] {
  const out: MandelbrotBand[] = [];
  for (let y = 0; y < image.height; y += rows) out.push([buffer, image, y, Math.min(image.height, y + rows)]);
  return out;
}

/** The sum of every pixel of the shared image: what the bands wrote, read back on this thread. */
export function imageChecksum(buffer: SharedArrayBuffer): number {
  const pixels = new Int32Array(buffer);
  let sum = 0;
  for (let i = 0; i < pixels.length; i++) sum += pixels[i];
  return sum;
}

export function computeBand(band: MandelbrotBand): number {
  const [buffer, image, y0, y1] = band;
  return mandelbrotRows(new Int32Array(buffer), image, y0, y1);
}

export const mandelbrotBand = defineProcess(import.meta.url, 'mandelbrotBand', (_ctx: Context<never>, band: MandelbrotBand) => computeBand(band));
