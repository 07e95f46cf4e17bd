// A set of 16-byte revocation hashes (EU DCC revocation: the first 16 bytes of SHA-256 of the
// UCI, country+UCI or signature; anchors-mission.md §2.6) in one flat Uint8Array with open
// addressing. A million entries cost ~32 MB (load factor ≤ 0.5) instead of the ~100 MB a
// Set<string> of hex strings takes, and a lookup is one hash-slot probe sequence: O(1).
// The hashes are SHA-256 output, so their first 4 bytes are already uniformly distributed
// and serve as the slot index without hashing again.

export const HASH_BYTES = 16;

/** The bytes of a Hash16Set: its slots, their used flags and its entry count. */
export interface HashSetTable {
  slots: Uint8Array;
  used: Uint8Array;
  size: number;
}

export class Hash16Set {
  readonly #slots: Uint8Array;
  /** 1 byte per slot: 0 empty, 1 used (a stored hash may be all zeros). */
  readonly #used: Uint8Array;
  readonly #mask: number;
  #size = 0;

  /**
   * `capacity`: the most entries this set will hold; it never grows (built once per list).
   * `table`: adopt the bytes of another set's `toTransfer()` instead (a cluster worker installs
   * the primary's sets as they are, without re-reading the list; src/trust/transfer.ts).
   */
  constructor(capacity: number, table?: HashSetTable) {
    if (table) {
      const n = table.used.length;
      if (n < 16 || (n & (n - 1)) !== 0 || table.slots.length !== n * HASH_BYTES || table.size * 2 > n) throw new Error('not a revocation set table');
      this.#slots = table.slots;
      this.#used = table.used;
      this.#mask = n - 1;
      this.#size = table.size;
      return;
    }
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.#slots = new Uint8Array(slots * HASH_BYTES);
    this.#used = new Uint8Array(slots);
    this.#mask = slots - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Bytes held by the table (for the benchmark and /v1/trust). */
  get byteLength(): number {
    return this.#slots.byteLength + this.#used.byteLength;
  }

  /** The slot holding the hash (≥ 0), or -(empty slot + 1) where it would go. No allocation. */
  #find(hash: Uint8Array, off: number): number {
    const mask = this.#mask;
    const slots = this.#slots;
    const used = this.#used;
    let slot = ((hash[off]! << 24) | (hash[off + 1]! << 16) | (hash[off + 2]! << 8) | hash[off + 3]!) & mask;
    for (;;) {
      if (used[slot] === 0) return -(slot + 1);
      const base = slot * HASH_BYTES;
      let i = 0;
      while (i < HASH_BYTES && slots[base + i] === hash[off + i]) i++;
      if (i === HASH_BYTES) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /** Adds the 16 bytes at `off` of `hash`; returns false when already present. */
  add(hash: Uint8Array, off = 0): boolean {
    if (hash.length - off < HASH_BYTES) throw new Error('a revocation hash is 16 bytes');
    if ((this.#size + 1) * 2 > this.#used.length) throw new Error('revocation set is full');
    const found = this.#find(hash, off);
    if (found >= 0) return false;
    const slot = -found - 1;
    this.#slots.set(hash.subarray(off, off + HASH_BYTES), slot * HASH_BYTES);
    this.#used[slot] = 1;
    this.#size++;
    return true;
  }

  /** The table as plain bytes, to hand a snapshot to another process. */
  toTransfer(): HashSetTable {
    return { slots: this.#slots, used: this.#used, size: this.#size };
  }

  /** Whether the first 16 bytes of `hash` are in the set. */
  has(hash: Uint8Array): boolean {
    if (hash.length < HASH_BYTES) return false;
    return this.#find(hash, 0) >= 0;
  }
}
