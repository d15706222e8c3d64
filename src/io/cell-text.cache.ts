/** Slots in the hash table (a power of two); at most half are filled. */
const SLOTS = 1024;
const MAX_ENTRIES = SLOTS / 2;
/** Cells longer than this are not cached (categories are short; long texts are rarely repeated). */
const MAX_KEY_BYTES = 64;

/**
 * Remembers the text of the first few hundred distinct byte strings of a column, so that a
 * categorical CSV column with few categories decodes each category once instead of making a
 * new string for every cell. Equal cells then share one string. Once full it only answers
 * for what it holds.
 */
export class CellTextCache<T> {
  private readonly slots = new Int32Array(SLOTS).fill(-1);
  private readonly offsets: number[] = [];
  private readonly lengths: number[] = [];
  private readonly values: T[] = [];
  private pool = new Uint8Array(4096);
  private poolSize = 0;

  /** The value stored for the bytes `bytes[start, end)`, or undefined. */
  get(bytes: Uint8Array, start: number, end: number): T | undefined {
    const length = end - start;
    if (length > MAX_KEY_BYTES) return undefined;
    let slot = hashBytes(bytes, start, end) & (SLOTS - 1);
    for (;;) {
      const entry = this.slots[slot]!;
      if (entry < 0) return undefined;
      if (this.lengths[entry] === length && this.matches(entry, bytes, start, length))
        return this.values[entry];
      slot = (slot + 1) & (SLOTS - 1);
    }
  }

  /** Stores `value` for the bytes `bytes[start, end)` unless the cache is full or the key long. */
  set(bytes: Uint8Array, start: number, end: number, value: T): void {
    const length = end - start;
    if (length > MAX_KEY_BYTES || this.values.length >= MAX_ENTRIES) return;
    let slot = hashBytes(bytes, start, end) & (SLOTS - 1);
    while (this.slots[slot]! >= 0) slot = (slot + 1) & (SLOTS - 1);
    if (this.poolSize + length > this.pool.length) {
      const grown = new Uint8Array(this.pool.length * 2);
      grown.set(this.pool);
      this.pool = grown;
    }
    this.pool.set(bytes.subarray(start, end), this.poolSize);
    this.slots[slot] = this.values.length;
    this.offsets.push(this.poolSize);
    this.lengths.push(length);
    this.values.push(value);
    this.poolSize += length;
  }

  private matches(entry: number, bytes: Uint8Array, start: number, length: number): boolean {
    const pool = this.pool;
    const offset = this.offsets[entry]!;
    for (let i = 0; i < length; i++) if (pool[offset + i] !== bytes[start + i]) return false;
    return true;
  }
}

/** FNV-1a over a byte range. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
}
