/** Kubernetes label selector syntax (`a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x)`), as a predicate. */
export function parseLabelSelector(selector: string | null): (labels: Record<string, string>) => boolean {
  if (!selector) return () => true;
  const requirements = selector.split(/,(?![^(]*\))/u).map((part) => part.trim()).filter(Boolean).map((part) => {
    const set = /^(?<key>[^\s!=]+)\s+(?<op>in|notin)\s+\((?<values>[^)]*)\)$/u.exec(part);
    if (set?.groups) {
      const values = set.groups.values!.split(",").map((value) => value.trim());
      const key = set.groups.key!;
      return set.groups.op === "in"
        ? (labels: Record<string, string>) => key in labels && values.includes(labels[key]!)
        : (labels: Record<string, string>) => !(key in labels) || !values.includes(labels[key]!);
    }
    const compare = /^(?<key>[^\s!=]+)\s*(?<op>==|=|!=)\s*(?<value>\S*)$/u.exec(part);
    if (compare?.groups) {
      const { key, op, value } = compare.groups as { key: string; op: string; value: string };
      return op === "!=" ? (labels: Record<string, string>) => labels[key] !== value : (labels: Record<string, string>) => labels[key] === value;
    }
    if (part.startsWith("!")) return (labels: Record<string, string>) => !(part.slice(1) in labels);
    if (/^[^\s!=()]+$/u.test(part)) return (labels: Record<string, string>) => part in labels;
    throw new Error(`unable to parse requirement: ${part}`);
  });
  return (labels) => requirements.every((matches) => matches(labels));
}
