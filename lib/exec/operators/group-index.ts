// Group-slot index for GROUP BY keys made only of numbers (ids, timestamps, window starts): an
// open-addressing hash table over flat typed arrays. A lookup hashes the key's bits and compares
// whole keys, so it builds no string, allocates nothing and has no collisions to resolve.
//
// Measured (bench/nexmark/group-index.ts, 4 M lookups, CPU time, load average > 20 so ±30 %):
// Map<number, slot> 11–29 ns/key, this table 8.5–15, the native store's batched upsertSlots
// 6–13 (keys packed into u64 words without BigInt). The native store is a little faster per
// lookup, but an operator has no close hook to free native memory when its view is dropped,
// and composite keys would need byte keys; the difference (a few ns of a ~30–100 ns/row
// aggregate) does not pay for that, so the table stays in JS.
//
// The caller canonicalises: -0 is stored as 0, and a key containing NaN (or any non-number) is
// not indexed here at all (HashAggregate keeps those groups in its Map).

const EMPTY = -1;

export class NumericKeyIndex {
  /** the probe key: callers write the key's numbers here before find/insert/delete */
  readonly probe: Float64Array;
  private readonly probeBits: Int32Array;
  private keys: Float64Array;
  private keyBits: Int32Array;
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(readonly width: number, initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.probe = new Float64Array(width);
    this.probeBits = new Int32Array(this.probe.buffer);
    this.keys = new Float64Array(cap * width);
    this.keyBits = new Int32Array(this.keys.buffer);
    this.slots = new Int32Array(cap).fill(EMPTY);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The slot stored for the probe key, or -1. */
  find(): number {
    const w = this.width;
    const probe = this.probe;
    const keys = this.keys;
    const slots = this.slots;
    const mask = this.mask;
    let i = this.hashProbe() & mask;
    for (;;) {
      const s = slots[i];
      if (s === EMPTY) return EMPTY;
      if (keys[i * w] === probe[0] && (w === 1 || (w === 2 ? keys[i * 2 + 1] === probe[1] : this.restEqual(i)))) return s;
      i = (i + 1) & mask;
    }
  }

  /** Store the probe key → slot (the key must not be present). */
  insert(slot: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const w = this.width;
    let i = this.hashProbe() & this.mask;
    while (this.slots[i] !== EMPTY) i = (i + 1) & this.mask;
    this.slots[i] = slot;
    this.keys.set(this.probe, i * w);
    this.count++;
  }

  /** Remove the probe key; returns whether it was present. */
  delete(): boolean {
    const w = this.width;
    const mask = this.mask;
    let i = this.hashProbe() & mask;
    for (;;) {
      const s = this.slots[i];
      if (s === EMPTY) return false;
      if (this.keys[i * w] === this.probe[0] && (w === 1 || this.restEqual(i))) break;
      i = (i + 1) & mask;
    }
    // backward-shift deletion keeps every probe chain unbroken without tombstones
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (this.slots[j] === EMPTY) break;
      const home = this.hashAt(j) & mask;
      // move j into the hole unless its home lies cyclically in (hole, j]
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (inRange) continue;
      this.slots[hole] = this.slots[j];
      this.keys.copyWithin(hole * w, j * w, j * w + w);
      hole = j;
    }
    this.slots[hole] = EMPTY;
    this.count--;
    return true;
  }

  clear(): void {
    this.slots.fill(EMPTY);
    this.count = 0;
  }

  private restEqual(i: number): boolean {
    const w = this.width;
    const base = i * w;
    for (let c = 1; c < w; c++) if (this.keys[base + c] !== this.probe[c]) return false;
    return true;
  }

  private hashProbe(): number {
    const bits = this.probeBits;
    // one column (the common GROUP BY id / window start): two words, unrolled
    if (bits.length === 2) return finish(Math.imul(Math.imul(0x2545f491 ^ bits[0], 0x9e3779b1) ^ bits[1], 0x85ebca6b));
    // two columns (window start, id): four words, unrolled
    if (bits.length === 4) {
      const h = Math.imul(Math.imul(Math.imul(0x2545f491 ^ bits[0], 0x9e3779b1) ^ bits[1], 0x85ebca6b) ^ bits[2], 0x9e3779b1) ^ bits[3];
      return finish(Math.imul(h, 0x85ebca6b));
    }
    return hashWords(bits, 0, bits.length);
  }

  /** hash of the key stored at table position i (deletion) */
  private hashAt(i: number): number {
    const words = this.width * 2;
    return hashWords(this.keyBits, i * words, words);
  }

  private grow(): void {
    const w = this.width;
    const oldKeys = this.keys;
    const oldBits = this.keyBits;
    const oldSlots = this.slots;
    const cap = (this.mask + 1) * 2;
    this.keys = new Float64Array(cap * w);
    this.keyBits = new Int32Array(this.keys.buffer);
    this.slots = new Int32Array(cap).fill(EMPTY);
    this.mask = cap - 1;
    for (let i = 0; i < oldSlots.length; i++) {
      if (oldSlots[i] === EMPTY) continue;
      let j = hashWords(oldBits, i * w * 2, w * 2) & this.mask;
      while (this.slots[j] !== EMPTY) j = (j + 1) & this.mask;
      this.slots[j] = oldSlots[i];
      this.keys.set(oldKeys.subarray(i * w, i * w + w), j * w);
    }
  }
}

/** A 32-bit mix of `n` words starting at `start` (the key's IEEE-754 bits). */
function hashWords(bits: Int32Array, start: number, n: number): number {
  if (n === 2) return finish(Math.imul(Math.imul(0x2545f491 ^ bits[start], 0x9e3779b1) ^ bits[start + 1], 0x85ebca6b));
  if (n === 4) {
    const h = Math.imul(Math.imul(Math.imul(0x2545f491 ^ bits[start], 0x9e3779b1) ^ bits[start + 1], 0x85ebca6b) ^ bits[start + 2], 0x9e3779b1) ^ bits[start + 3];
    return finish(Math.imul(h, 0x85ebca6b));
  }
  let h = 0x2545f491;
  for (let k = start; k < start + n; k++) h = Math.imul(h ^ bits[k], 0x9e3779b1) ^ (h >>> 15);
  return finish(Math.imul(h ^ (h >>> 16), 0x85ebca6b));
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  return h ^ (h >>> 15);
}
