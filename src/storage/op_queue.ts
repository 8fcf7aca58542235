// Runs asynchronous operations one at a time in issue order. The block-device contract promises
// that a read issued after a write sees it, but Node's positional file I/O and IndexedDB
// read-modify-write of a chunk can overtake each other when run concurrently.

export class OpQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Starts `op` after every earlier one has settled; a failure does not stop later operations. */
  run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.tail.then(op, op);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
