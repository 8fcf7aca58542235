// A least-recently-used set of decoded chunks kept in memory, so sector-sized guest requests do
// not each fetch a 1 MiB chunk from IndexedDB. Pinned chunks (written but not yet committed) are
// never evicted: dropping one would lose data.

export class ChunkCache {
  /** Map iteration order is insertion order; touching a chunk re-inserts it at the end. */
  private readonly chunks = new Map<number, Uint8Array>();
  private readonly pinned = new Set<number>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`chunk cache capacity ${capacity}`);
  }

  get(index: number): Uint8Array | undefined {
    const chunk = this.chunks.get(index);
    if (chunk) {
      this.chunks.delete(index);
      this.chunks.set(index, chunk);
    }
    return chunk;
  }

  put(index: number, chunk: Uint8Array, pin = false): void {
    this.chunks.delete(index);
    this.chunks.set(index, chunk);
    if (pin) this.pinned.add(index);
    this.evict();
  }

  unpin(index: number): void {
    this.pinned.delete(index);
    this.evict();
  }

  get pinnedCount(): number {
    return this.pinned.size;
  }

  get pinnedIndices(): number[] {
    return [...this.pinned];
  }

  clear(): void {
    this.chunks.clear();
    this.pinned.clear();
  }

  private evict(): void {
    if (this.chunks.size <= this.capacity) return;
    for (const index of this.chunks.keys()) {
      if (this.chunks.size <= this.capacity) break;
      if (!this.pinned.has(index)) this.chunks.delete(index);
    }
  }
}
