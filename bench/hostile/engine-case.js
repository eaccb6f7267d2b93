/**
 * One full-size hostile manifest case, run alone in its own process by
 * `bench/scenarios/hostile.js` (`node bench/hostile/engine-case.js <case>`):
 * builds the input, times the engine call on it, and prints one JSON line
 * `{ms, outcome}` (peak RSS comes from bench/report-rss.js, preloaded). It
 * uses the built engine in dist/, with its default parse budget unless the
 * case says otherwise.
 */
import { performance } from "node:perf_hooks";
import { parseReference } from "../../dist/image-ref/index.js";
import { bumpFile, restoreValues } from "../../dist/manifests/index.js";

const MIB = 1024 * 1024;
const parsed = parseReference("ghcr.io/acme/api:1.4.1");
if (!parsed.ok) throw new Error("bad reference");
const target = parsed.reference;
const HEAD = "spec:\n  containers:\n  - image: ghcr.io/acme/api:1.4.0\n";

/** A manifest naming the image, then a one-line flow list `x: [a,a,…]` of about `bytes` bytes. */
function flowList(bytes) {
  return `${HEAD}x: [${"a,".repeat(Math.floor(bytes / 2))}a]\n`;
}

function aliases(count) {
  return `base: &api ghcr.io/acme/api:1.4.0\nspec:\n  containers:\n${"  - image: *api\n".repeat(count)}`;
}

/** A Helm-style values file of `services` entries (9 lines each), as people write them. */
function values(services) {
  let text = "";
  for (let index = 0; index < services; index++) {
    text += `svc${index}:\n  image:\n    repository: ghcr.io/acme/api\n    tag: "1.4.0"\n  resources:\n    limits: {cpu: 100m, memory: 128Mi}\n  enabled: true\n  name: some-name-${index}\n  replicas: 2\n`;
  }
  return text;
}

const BIG = { maxNodes: 10_000_000 };

/** @type {Record<string, () => { run: () => unknown }>} */
const CASES = {
  "flow-list-1mib": () => ({ run: (text = flowList(MIB)) => bumpFile("x.yaml", text, target) }),
  "flow-list-2mib": () => ({ run: (text = flowList(2 * MIB)) => bumpFile("x.yaml", text, target) }),
  "flow-list-8mib": () => ({ run: (text = flowList(8 * MIB - 100)) => bumpFile("x.yaml", text, target) }),
  "block-list-8mib": () => ({ run: (text = `${HEAD}x:\n${"- a\n".repeat(2 * MIB - 100)}`) => bumpFile("x.yaml", text, target) }),
  "screen-one-line-8mib": () => ({
    run: (text = `repository: x\nimage: {repository: acme, list: [${"api,".repeat(2 * MIB - 100)}api]}\n`) => bumpFile("values.yaml", text, target),
  }),
  "aliases-1000": () => ({ run: (text = aliases(1_000)) => bumpFile("a.yaml", text, target) }),
  "aliases-4000": () => ({ run: (text = aliases(4_000)) => bumpFile("a.yaml", text, target) }),
  "aliases-20000": () => ({ run: (text = aliases(20_000)) => bumpFile("a.yaml", text, target) }),
  "aliases-20000-unbudgeted": () => ({ run: (text = aliases(20_000)) => bumpFile("a.yaml", text, target, BIG) }),
  "unpin-aliases-4000": () => ({
    run: (text = aliases(4_000).replace("api:1.4.0", "api:1.4.1")) =>
      restoreValues("a.yaml", text, [{ file: "a.yaml", line: 4, kind: "container", before: "ghcr.io/acme/api:1.4.0", after: "ghcr.io/acme/api:1.4.1", document: 0, yamlPath: "spec.containers[3999].image" }]),
  }),
  "unpin-aliases-20000-unbudgeted": () => ({
    run: (text = aliases(20_000).replace("api:1.4.0", "api:1.4.1")) =>
      restoreValues("a.yaml", text, [{ file: "a.yaml", line: 4, kind: "container", before: "ghcr.io/acme/api:1.4.0", after: "ghcr.io/acme/api:1.4.1", document: 0, yamlPath: "spec.containers[19999].image" }], BIG),
  }),
  "documents-2m": () => ({ run: (text = `image: ghcr.io/acme/api:1.4.0\n${"---\n".repeat(2_000_000)}`) => bumpFile("x.yaml", text, target) }),
  // A bundle of 9,999 ConfigMaps (7 MiB), the image in its first document: the most documents the budget lets through.
  "documents-at-limit": () => ({
    run: (text = `image: ghcr.io/acme/api:1.4.0\n${`---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: ${"v".repeat(700)}\n`.repeat(9_999)}`) =>
      bumpFile("x.yaml", text, target),
  }),
  // The largest file the default budget lets through: the most one file costs the event loop.
  "values-at-budget": () => ({ run: (text = values(450)) => bumpFile("values.yaml", text, target) }),
};

function summarize(result) {
  if ("conflicts" in result) return { restored: result.restored.length, conflicts: result.conflicts.map((conflict) => conflict.reason.slice(0, 40)) };
  return { changes: result.changes.length, skipped: result.skipped.map((skip) => skip.code) };
}

const name = process.argv[2] ?? "";
const make = CASES[name];
if (!make) {
  console.error(`unknown case "${name}"; known: ${Object.keys(CASES).join(", ")}`);
  process.exit(2);
}
const { run } = make();
const started = performance.now();
const result = run();
const ms = performance.now() - started;
console.log(JSON.stringify({ ms, outcome: summarize(result) }));
export const CASE_NAMES = Object.keys(CASES);
