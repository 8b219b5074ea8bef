/** Something chartwright created and must remove: a release, namespace, cluster or temporary file. */
export interface Owned {
  /** For messages: `namespace cw-1a2b3c-1-demo`. */
  what: string;
  /** Shell command that deletes it, printed under --keep. */
  deleteCommand: string;
  /** Removes it; returns a problem to report, or undefined. */
  remove: () => Promise<string | undefined>;
}

/**
 * What chartwright created, in creation order. Cleanup removes it newest first, so a release goes
 * before its namespace and the namespace before the cluster; nothing not recorded here is touched.
 */
export class Ledger {
  private readonly items: Owned[] = [];

  /** Records an item; the returned function forgets it (already removed, or found not to be ours). */
  own(item: Owned): () => void {
    this.items.push(item);
    return () => {
      const index = this.items.indexOf(item);
      if (index >= 0) this.items.splice(index, 1);
    };
  }

  get size(): number {
    return this.items.length;
  }

  /** Everything still owned, newest first, without removing it (for --keep). */
  retained(): Owned[] {
    return [...this.items].reverse();
  }

  /** Removes everything newest first; a failure is reported and the rest still removed. */
  async unwind(): Promise<string[]> {
    const problems: string[] = [];
    while (this.items.length > 0) {
      const item = this.items.pop() as Owned;
      try {
        const problem = await item.remove();
        if (problem) problems.push(`could not remove ${item.what}: ${problem} (delete it with: ${item.deleteCommand})`);
      } catch (error) {
        problems.push(`could not remove ${item.what}: ${error instanceof Error ? error.message : String(error)} (delete it with: ${item.deleteCommand})`);
      }
    }
    return problems;
  }
}
