/** The packages scripts/pack.mjs packs, in dependency order. */
export const PACKAGES: string[];
/** Packs every package with npm into `destination`; returns the tarballs' paths. */
export function packAll(destination: string, options?: { build?: boolean }): string[];
