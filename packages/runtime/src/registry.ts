import type { NameRegistry } from './host.js';

/** Registered names on a single thread. The scheduler package has a shared-memory one. */
export class LocalNames implements NameRegistry {
  private readonly byName = new Map<string, number>();

  register(name: string, pid: number): boolean {
    if (this.byName.has(name)) return false;
    this.byName.set(name, pid);
    return true;
  }

  whereis(name: string): number | undefined {
    return this.byName.get(name);
  }

  unregister(name: string, pid?: number): void {
    if (pid === undefined || this.byName.get(name) === pid) this.byName.delete(name);
  }

  nameOf(pid: number): string | undefined {
    for (const [name, owner] of this.byName) if (owner === pid) return name;
    return undefined;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}
