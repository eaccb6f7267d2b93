import { parse } from "yaml";
import type { SyncBudgets } from "./budgets.js";
import type { RenderedObject } from "./cluster-port.js";
import { describeRef, refKey, refOf } from "./object-ref.js";
import { parseManifests } from "./parse-manifests.js";
import { SyncError } from "./sync-error.js";

const KUSTOMIZATION_FILES = new Set(["kustomization.yaml", "kustomization.yml", "Kustomization"]);
const YAML_FILE = /\.ya?ml$/i;

/** Renders one kustomization folder (repository path) to YAML text; `kubectl kustomize` in production. */
export type Kustomize = (folder: string) => Promise<string>;

export interface RenderOptions {
  readonly paths: readonly string[];
  readonly defaultNamespace?: string | undefined;
  readonly budgets: SyncBudgets;
  readonly kustomize: Kustomize;
}

const REMOTE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@|github\.com\/|gitlab\.com\/|bitbucket\.org\/)|\?ref=|\/\/.*\?/i;
const RESOURCE_LISTS = ["resources", "bases", "components", "crds"] as const;

/**
 * Kustomize would fetch a remote base (a git URL, an https file) from inside
 * the cluster: content nobody reviewed in this repository. Refused, naming it.
 */
function refuseRemoteResources(file: string, text: string): void {
  let document: unknown;
  try {
    document = parse(text, { maxAliasCount: 100 });
  } catch {
    return; // kustomize reports its own file's syntax errors.
  }
  if (typeof document !== "object" || document === null) return;
  for (const list of RESOURCE_LISTS) {
    const entries = (document as Record<string, unknown>)[list];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      if (typeof entry === "string" && REMOTE.test(entry)) {
        throw new SyncError("kustomize-failed", `${file}: ${list} entry "${entry}" is a remote base; bender sync renders only what the repository holds (vendor it into the repository)`);
      }
    }
  }
}

function folderOf(file: string): string {
  const slash = file.lastIndexOf("/");
  return slash === -1 ? "" : file.slice(0, slash);
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf("/") + 1);
}

function isUnder(file: string, folder: string): boolean {
  return folder === "" || file === folder || file.startsWith(`${folder}/`);
}

/**
 * Step 4 of a sync run: the objects of the configured paths, in a stable
 * order (by file, then document). A folder with a kustomization is rendered
 * by kustomize, and files below it are not read again as plain YAML; any
 * other .yaml/.yml file is read as multi-document YAML. Helm charts and
 * templates are refused whole, and an object defined twice names both files.
 */
export async function renderTree(files: ReadonlyMap<string, Uint8Array>, options: RenderOptions): Promise<RenderedObject[]> {
  const names = [...files.keys()].filter((file) => options.paths.some((folder) => isUnder(file, folder))).sort();
  const chart = names.find((file) => baseName(file) === "Chart.yaml");
  if (chart) {
    throw new SyncError("helm-chart", `${chart}: a Helm chart; bender sync applies plain YAML and kustomize only (render the chart in CI, or use kustomize's helmCharts in CI, and commit the output)`);
  }
  const kustomizations = [...new Set(names.filter((file) => KUSTOMIZATION_FILES.has(baseName(file))).map(folderOf))].sort();
  // An outer kustomization owns the folders below it.
  const roots = kustomizations.filter((folder) => !kustomizations.some((other) => other !== folder && isUnder(folder, other)));

  for (const file of names.filter((name) => KUSTOMIZATION_FILES.has(baseName(name)) && roots.some((root) => isUnder(name, root)))) {
    refuseRemoteResources(file, new TextDecoder().decode(files.get(file)));
  }

  const objects: RenderedObject[] = [];
  const add = (more: readonly RenderedObject[]) => {
    objects.push(...more);
    if (objects.length > options.budgets.objects) {
      throw new SyncError("over-budget", `more than ${options.budgets.objects} objects rendered; that is the budget`);
    }
  };
  const decoder = new TextDecoder("utf-8", { fatal: false });
  let nextRoot = 0;
  for (const file of names) {
    // Kustomize folders take their place in file order, at their kustomization file.
    while (nextRoot < roots.length && `${roots[nextRoot]}/` <= file) {
      const root = roots[nextRoot++] ?? "";
      const text = await options.kustomize(root);
      add(parseManifests(text, `${root || "."} (kustomize)`, { defaultNamespace: options.defaultNamespace, budgets: options.budgets }));
    }
    if (roots.some((root) => isUnder(file, root)) || !YAML_FILE.test(file)) continue;
    add(parseManifests(decoder.decode(files.get(file)), file, { defaultNamespace: options.defaultNamespace, budgets: options.budgets }));
  }
  for (const root of roots.slice(nextRoot)) {
    add(parseManifests(await options.kustomize(root), `${root || "."} (kustomize)`, { defaultNamespace: options.defaultNamespace, budgets: options.budgets }));
  }

  const seen = new Map<string, RenderedObject>();
  for (const object of objects) {
    const key = refKey(refOf(object.manifest));
    const first = seen.get(key);
    if (first) throw new SyncError("duplicate-object", `${describeRef(refOf(object.manifest))} is defined twice: in ${first.source} and in ${object.source}; keep one`);
    seen.set(key, object);
  }
  return objects;
}
