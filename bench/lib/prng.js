/**
 * Deterministic pseudo-random numbers for the benchmark generators.
 *
 * Never use `Math.random` in bench code: the generated tree must be identical
 * for a given seed so that runs (and machines) can be compared.
 */

/**
 * Hash a string seed into a 32-bit integer (xmur3 finaliser).
 * @param {string} text
 * @returns {number}
 */
function hashSeed(text) {
  let h = 1779033703 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  h = Math.imul(h ^ (h >>> 16), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return (h ^= h >>> 16) >>> 0;
}

/** A small seeded generator (mulberry32) with the helpers the generators need. */
export class Prng {
  /** @param {string | number} seed */
  constructor(seed) {
    /** @private */
    this.state = typeof seed === "number" ? seed >>> 0 : hashSeed(seed);
  }

  /**
   * A float in [0, 1).
   * @returns {number}
   */
  next() {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * An integer in [min, max] (both inclusive).
   * @param {number} min
   * @param {number} max
   * @returns {number}
   */
  int(min, max) {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /**
   * True with probability `p`.
   * @param {number} p
   * @returns {boolean}
   */
  chance(p) {
    return this.next() < p;
  }

  /**
   * One element of a non-empty array.
   * @template T
   * @param {readonly T[]} items
   * @returns {T}
   */
  pick(items) {
    if (items.length === 0) throw new Error("pick from an empty array");
    return /** @type {T} */ (items[Math.floor(this.next() * items.length)]);
  }

  /**
   * One element chosen by weight.
   * @template T
   * @param {readonly (readonly [T, number])[]} entries pairs of value and weight
   * @returns {T}
   */
  weighted(entries) {
    let total = 0;
    for (const [, weight] of entries) total += weight;
    let roll = this.next() * total;
    for (const [value, weight] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    const last = entries[entries.length - 1];
    if (!last) throw new Error("weighted pick from an empty list");
    return last[0];
  }

  /**
   * A shuffled copy (Fisher–Yates).
   * @template T
   * @param {readonly T[]} items
   * @returns {T[]}
   */
  shuffle(items) {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = /** @type {T} */ (out[i]);
      out[i] = /** @type {T} */ (out[j]);
      out[j] = tmp;
    }
    return out;
  }

  /**
   * `count` lowercase hex digits.
   * @param {number} count
   * @returns {string}
   */
  hex(count) {
    let out = "";
    while (out.length < count) out += Math.floor(this.next() * 4294967296).toString(16).padStart(8, "0");
    return out.slice(0, count);
  }
}
