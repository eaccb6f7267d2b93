/**
 * A fast reader for the plain block YAML most manifests are (kustomize's output, `yaml`'s own stringify, hand-written
 * files without anchors): about ten times quicker than the `yaml` library, which stays the reference. It accepts only
 * a strict subset and answers `undefined` for anything else, so the caller reads that text with `yaml`:
 * - block mappings and sequences (indented or not under their key), `- key: value` items; spaces, no tabs;
 * - keys: plain names (letters, digits, `_ . / -`, not null/true/false) or double-quoted without escapes;
 * - scalars on one line: double-quoted without escapes, single-quoted, or plain; a plain scalar is null (`~`, `null`),
 *   a boolean (`true`, `false` in three cases), a decimal integer or fraction of at most 15 digits, or a string that
 *   does not start with a digit, sign, dot or indicator (but may with `--` or `-` and a letter, and quantities, addresses
 *   and versions such as `64Mi`, `10.0.0.0/8` or `1.2.3` may start with digits) and holds no `: ` or ` #`;
 * - anchors (`&name`) on a value and aliases (`*name`) to an earlier anchor holding no alias, as long as every anchor's
 *   uses times its scalars stay within the alias budget (an upper bound of what yaml counts; over it, yaml decides);
 * - whole-line comments, blank lines, `---` between documents, each with a mapping at the top.
 * Anything else (tags, merge keys, flow collections, block or multi-line scalars, escapes, numbers
 * in other forms, timestamps, `1_000`, duplicate keys, `__proto__`, CR or a BOM, empty documents, `{{`) falls back.
 * For what it accepts it gives the same values as `yaml` (YAML 1.2 core schema) and the same node count as
 * parse-manifests.ts counts on yaml's documents (test/sync/fast-yaml.test.ts compares them over generated inputs).
 */

/** One document read by the fast path: its value and its YAML nodes (collections, pairs, scalars). */
export interface FastDocument {
  readonly value: Record<string, unknown>;
  readonly nodes: number;
  /** The document has aliases: like yaml's, its value shares the anchored parts (copy before changing one). */
  readonly shared: boolean;
}

interface Anchor {
  readonly value: unknown;
  /** Scalars under the anchor, keys included: at least what yaml's alias count gives it. */
  readonly scalars: number;
  readonly holdsAlias: boolean;
  uses: number;
}

interface Line {
  indent: number;
  text: string;
}

/** Thrown inside the reader when the text leaves the subset; never escapes `readFastYaml`. */
class Unsupported extends Error {}
const unsupported = new Unsupported();

const ANCHOR = /^&([A-Za-z0-9_-]+)(?: +(.*))?$/u;
const ALIAS = /^\*([A-Za-z0-9_-]+)$/u;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/u;
const QUOTED_KEY = /^"[^"\\]*"$/u;
const NOT_STRING_KEYS = new Set(["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "__proto__"]);
const NULLS = new Set(["~", "null", "Null", "NULL"]);
const TRUES = new Set(["true", "True", "TRUE"]);
const FALSES = new Set(["false", "False", "FALSE"]);
const INTEGER = /^(?:0|-?[1-9][0-9]{0,14})$/u;
const FRACTION = /^-?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/u;
/** Strings that start with a digit yet match none of YAML 1.2's number forms: quantities (`64Mi`, `500m`), addresses, versions. */
const QUANTITY = /^(?!0[xo])[0-9]+(?:\.[0-9]+)?[A-Za-z]+$/u;
const DOTTED = /^[0-9]+(?:\.[0-9]+){2,}(?:\/[0-9]+)?$/u;
/**
 * How a plain string may start: not with an indicator, a digit, a sign or a dot (numbers in forms not read here),
 * except a dash before a letter or another dash (`--flag`, `-Xmx1g`), which no number starts with.
 */
const PLAIN_START = /^(?:[^-?:,[\]{}#&*!|>'"%@`0-9+.\s]|-[A-Za-z-])/u;

function scalar(text: string): unknown {
  const first = text[0];
  if (first === '"') {
    if (text.length < 2 || !text.endsWith('"')) throw unsupported;
    const inner = text.slice(1, -1);
    if (inner.includes('"') || inner.includes("\\")) throw unsupported;
    return inner;
  }
  if (first === "'") {
    if (!/^'(?:[^']|'')*'$/u.test(text)) throw unsupported;
    return text.slice(1, -1).replaceAll("''", "'");
  }
  if (NULLS.has(text)) return null;
  if (TRUES.has(text)) return true;
  if (FALSES.has(text)) return false;
  if (INTEGER.test(text) || FRACTION.test(text)) return Number(text);
  if (QUANTITY.test(text) || DOTTED.test(text)) return text;
  if (!PLAIN_START.test(text) || text.includes(": ") || text.includes(" #") || text.endsWith(":")) throw unsupported;
  return text;
}

/** `key: rest` or `key:`: the key and what follows it, or undefined when the line is not a mapping entry. */
function entry(text: string): { key: string; rest: string } | undefined {
  if (text[0] === '"') {
    const close = text.indexOf('"', 1);
    if (close < 0 || text[close + 1] !== ":" || (close + 2 < text.length && text[close + 2] !== " ")) return undefined;
    const quoted = text.slice(0, close + 1);
    if (!QUOTED_KEY.test(quoted) || quoted === '"__proto__"') throw unsupported;
    return { key: quoted.slice(1, -1), rest: text.slice(close + 2).trimStart() };
  }
  const separator = text.indexOf(": ");
  const end = separator >= 0 ? separator : text.endsWith(":") ? text.length - 1 : -1;
  if (end < 0) return undefined;
  const key = text.slice(0, end);
  if (!PLAIN_KEY.test(key) || NOT_STRING_KEYS.has(key)) throw unsupported;
  return { key, rest: text.slice(end + 1).trimStart() };
}

class Reader {
  private index = 0;
  nodes = 0;
  private scalars = 0;
  aliases = 0;
  readonly anchors = new Map<string, Anchor>();
  constructor(private readonly lines: Line[]) {}

  done(): boolean {
    return this.index >= this.lines.length;
  }

  /** What follows `key:` or `-` (the line already consumed): an anchor, an alias, a scalar, or a block below. */
  private value(rest: string, indent: number, isMapValue: boolean): unknown {
    let anchor: string | undefined;
    let text = rest;
    if (text.startsWith("&")) {
      const found = ANCHOR.exec(text);
      if (!found || this.anchors.has(found[1]!)) throw unsupported;
      anchor = found[1]!;
      text = found[2] ?? "";
    }
    const before = { scalars: this.scalars, aliases: this.aliases };
    const value = text === "" ? this.nested(indent, isMapValue) : this.inline(text, indent);
    if (anchor !== undefined) {
      this.anchors.set(anchor, { value, scalars: this.scalars - before.scalars, holdsAlias: this.aliases > before.aliases, uses: 0 });
    }
    return value;
  }

  /** The value that starts on the next line, for a key or item at `indent` with nothing after it. */
  private nested(indent: number, isMapValue: boolean): unknown {
    const next = this.lines[this.index];
    if (next && (next.indent > indent || (isMapValue && next.indent === indent && isItem(next.text)))) return this.block();
    this.nodes += 1; // yaml's empty scalar
    this.scalars += 1;
    return null;
  }

  /** A value written after `key: ` or `- ` on the same line: no deeper line may follow it (a multi-line scalar). */
  private inline(text: string, indent: number): unknown {
    const next = this.lines[this.index];
    if (next && next.indent > indent) throw unsupported;
    this.nodes += 1;
    if (text.startsWith("*")) {
      const anchor = this.anchors.get(ALIAS.exec(text)?.[1] ?? "");
      if (!anchor || anchor.holdsAlias) throw unsupported;
      anchor.uses += 1;
      this.aliases += 1;
      return anchor.value;
    }
    this.scalars += 1;
    return scalar(text);
  }

  block(): unknown {
    const line = this.lines[this.index]!;
    return isItem(line.text) ? this.sequence(line.indent) : this.mapping(line.indent);
  }

  mapping(indent: number): Record<string, unknown> {
    const value: Record<string, unknown> = {};
    this.nodes += 1;
    for (let line = this.lines[this.index]; line && line.indent === indent && !isItem(line.text); line = this.lines[this.index]) {
      const found = entry(line.text);
      if (!found) throw unsupported;
      if (Object.hasOwn(value, found.key)) throw unsupported; // yaml refuses duplicate keys
      this.index += 1;
      this.nodes += 2; // the pair and its key
      this.scalars += 1;
      value[found.key] = this.value(found.rest, indent, true);
    }
    const after = this.lines[this.index];
    if (after && after.indent > indent) throw unsupported;
    return value;
  }

  sequence(indent: number): unknown[] {
    const items: unknown[] = [];
    this.nodes += 1;
    for (let line = this.lines[this.index]; line && line.indent === indent && isItem(line.text); line = this.lines[this.index]) {
      const rest = line.text.slice(1).trimStart();
      const column = indent + line.text.length - rest.length;
      if (isItem(rest)) throw unsupported;
      if (rest === "" || rest.startsWith("&") || rest.startsWith("*")) {
        this.index += 1;
        items.push(this.value(rest, indent, false));
      } else if (entry(rest)) {
        // `- key: value`: a mapping whose first line starts after the dash.
        this.lines[this.index] = { indent: column, text: rest };
        items.push(this.mapping(column));
      } else {
        this.index += 1;
        items.push(this.value(rest, indent, false));
      }
    }
    const after = this.lines[this.index];
    if (after && after.indent > indent) throw unsupported;
    return items;
  }
}

function isItem(text: string): boolean {
  return text === "-" || text.startsWith("- ");
}

/** The documents of `text` when it is in the subset (see above), else undefined: read it with `yaml`. */
export function readFastYaml(text: string, budget: { maxAliasCount: number }): FastDocument[] | undefined {
  if (text.includes("\r") || text.includes("\t") || text.includes("{{") || text.startsWith("\uFEFF")) return undefined;
  const documents: Line[][] = [[]];
  let explicitStart = false;
  for (const raw of text.split("\n")) {
    const content = raw.trimEnd();
    const text = content.trimStart();
    if (text === "" || text.startsWith("#")) continue;
    if (content === "---") {
      // The first `---` opens the first document; content before it makes it the second.
      if (documents.length === 1 && documents[0]!.length === 0 && !explicitStart) explicitStart = true;
      else documents.push([]);
      continue;
    }
    if (content.startsWith("---") || content.startsWith("...") || content.startsWith("%")) return undefined;
    documents.at(-1)!.push({ indent: content.length - text.length, text });
  }
  const read: FastDocument[] = [];
  try {
    for (const lines of documents) {
      if (lines.length === 0 || lines[0]!.indent !== 0 || isItem(lines[0]!.text)) return undefined;
      const reader = new Reader(lines);
      const value = reader.mapping(0);
      if (!reader.done()) return undefined;
      for (const anchor of reader.anchors.values()) if (anchor.uses * Math.max(1, anchor.scalars) > budget.maxAliasCount) return undefined;
      read.push({ value, nodes: reader.nodes, shared: reader.aliases > 0 });
    }
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  return read;
}
