/** The keys of a JSON object's top level, in order, repeats included (JSON.parse keeps only the last of a repeat). */
export function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index];
    if (char === '"') {
      let end = index + 1;
      while (end < line.length && line[end] !== '"') end += line[end] === "\\" ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(line.slice(index, end + 1)) as string);
      index = end;
      expectKey = false;
    } else if (char === "{" || char === "[") {
      depth++;
      expectKey = char === "{" && depth === 1;
    } else if (char === "}" || char === "]") {
      depth--;
    } else if (char === "," && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

/** Keys that appear more than once at the top level of a JSON log line. */
export function repeatedKeys(line: string): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const key of topLevelKeys(line)) (seen.has(key) ? repeated : seen).add(key);
  return [...repeated];
}
