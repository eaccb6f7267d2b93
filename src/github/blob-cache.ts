/**
 * File text by blob ID. Blob IDs name content, so an entry never goes stale;
 * the cache only bounds memory (least recently used first out) and remembers
 * which repositories have been read once, so later reads ask GitHub for
 * object IDs only and fetch the text of changed files alone.
 */
export class BlobCache {
  readonly #texts = new Map<string, string>();
  readonly #seen = new Set<string>();
  #bytes = 0;

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  get(oid: string): string | undefined {
    const text = this.#texts.get(oid);
    if (text !== undefined) {
      this.#texts.delete(oid);
      this.#texts.set(oid, text);
    }
    return text;
  }

  set(oid: string, text: string): void {
    if (this.#texts.has(oid) || text.length > this.maxBytes) return;
    this.#texts.set(oid, text);
    this.#bytes += text.length;
    for (const [oldest, oldText] of this.#texts) {
      if (this.#bytes <= this.maxBytes) break;
      this.#texts.delete(oldest);
      this.#bytes -= oldText.length;
    }
  }

  /** True once `repository` has been read with file text. */
  hasSeen(repository: string): boolean {
    return this.#seen.has(repository);
  }

  markSeen(repository: string): void {
    this.#seen.add(repository);
  }
}
