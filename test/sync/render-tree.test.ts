import { describe, expect, it } from "vitest";
import { DEFAULT_BUDGETS } from "../../src/sync/budgets.js";
import { kubectlKustomize } from "../../src/sync/io/kubectl-kustomize.js";
import { renderTree } from "../../src/sync/render-tree.js";
import type { Kustomize } from "../../src/sync/render-tree.js";
import { SyncError } from "../../src/sync/sync-error.js";

const noKustomize: Kustomize = async (folder) => {
  throw new Error(`kustomize not expected for ${folder}`);
};

function tree(files: Record<string, string>): Map<string, Uint8Array> {
  return new Map(Object.entries(files).map(([name, text]) => [name, Buffer.from(text)]));
}

function render(files: Record<string, string>, options: { paths?: string[]; defaultNamespace?: string; kustomize?: Kustomize; budgets?: typeof DEFAULT_BUDGETS } = {}) {
  return renderTree(tree(files), { paths: options.paths ?? ["apps"], defaultNamespace: options.defaultNamespace, budgets: options.budgets ?? DEFAULT_BUDGETS, kustomize: options.kustomize ?? noKustomize });
}

async function refusal(promise: Promise<unknown>): Promise<SyncError> {
  const error = await promise.then(() => undefined, (failure: unknown) => failure);
  expect(error).toBeInstanceOf(SyncError);
  return error as SyncError;
}

const cm = (name: string, namespace?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ""}data:\n  a: "1"\n`;

describe("rendering plain YAML", () => {
  it("reads multi-document files and List items in a stable order (by file, then document)", async () => {
    const objects = await render({
      "apps/b.yaml": `${cm("b1")}---\n${cm("b2")}`,
      "apps/a.yml": `apiVersion: v1\nkind: List\nitems:\n  - ${cm("a1").trimEnd().replaceAll("\n", "\n    ")}\n  - ${cm("a2").trimEnd().replaceAll("\n", "\n    ")}\n`,
      "apps/notes.md": "not yaml: [",
      "apps/empty.yaml": "---\n# nothing\n",
    });
    expect(objects.map((object) => [object.source, object.manifest.metadata.name])).toEqual([
      ["apps/a.yml items[0]", "a1"],
      ["apps/a.yml items[1]", "a2"],
      ["apps/b.yaml (document 1)", "b1"],
      ["apps/b.yaml (document 2)", "b2"],
    ]);
  });

  it("puts the default namespace on namespaced objects that name none, never on cluster-scoped kinds", async () => {
    const objects = await render(
      { "apps/all.yaml": `${cm("a")}---\n${cm("b", "other")}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n` },
      { defaultNamespace: "shop" },
    );
    expect(objects.map((object) => object.manifest.metadata.namespace)).toEqual(["shop", "other", undefined]);
  });

  it("needs apiVersion, kind and name on every object, and names what is missing where", async () => {
    const error = await refusal(render({ "apps/x.yaml": `${cm("ok")}---\nkind: Secret\nmetadata: {}\n` }));
    expect(error.code).toBe("invalid-object");
    expect(error.message).toBe("apps/x.yaml (document 2): missing apiVersion, metadata.name; every object needs apiVersion, kind and metadata.name");
  });

  it("refuses an object defined twice, naming both files (API group, not version, makes the identity)", async () => {
    const deployment = (version: string) => `apiVersion: apps/${version}\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\n`;
    const error = await refusal(render({ "apps/one.yaml": deployment("v1"), "apps/two/api.yaml": deployment("v1beta2") }));
    expect(error.message).toBe("Deployment shop/api is defined twice: in apps/one.yaml and in apps/two/api.yaml; keep one");
  });

  it("refuses templates and Helm charts with a reason, whole", async () => {
    const template = await refusal(render({ "apps/ok.yaml": cm("ok"), "apps/t.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n" }));
    expect(template.code).toBe("template");
    expect(template.message).toContain("apps/t.yaml: a template");
    const chart = await refusal(render({ "apps/chart/Chart.yaml": "name: api\n", "apps/chart/values.yaml": "a: 1\n" }));
    expect(chart.code).toBe("helm-chart");
    expect(chart.message).toContain("apps/chart/Chart.yaml: a Helm chart");
  });

  it("keeps {{ inside quoted or block strings (an alerting template in a ConfigMap is data)", async () => {
    const objects = await render({ "apps/alerts.yaml": `${cm("alerts").replace('a: "1"', 'a: "{{ .Labels.job }}"\n  b: |\n    {{ range . }}x{{ end }}')}` });
    expect(objects[0]?.manifest.data).toEqual({ a: "{{ .Labels.job }}", b: "{{ range . }}x{{ end }}\n" });
  });

  it("names invalid YAML with its line, and keeps to the alias and node budgets", async () => {
    const invalid = await refusal(render({ "apps/bad.yaml": `${cm("a")}  - broken: [\n` }));
    expect(invalid.code).toBe("invalid-yaml");
    expect(invalid.message).toMatch(/^apps\/bad\.yaml:\d+: /);
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, index) => `${String.fromCharCode(98 + index)}: &${String.fromCharCode(98 + index)} [*${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}, *${String.fromCharCode(97 + index)}]`)].join("\n");
    const aliases = await refusal(render({ "apps/bomb.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n${bomb}\n` }));
    expect(aliases.code).toBe("over-budget");
    expect(aliases.message).toContain("apps/bomb.yaml");
    const nodes = await refusal(render({ "apps/big.yaml": cm("big") }, { budgets: { ...DEFAULT_BUDGETS, yamlNodes: 5 } }));
    expect(nodes.message).toMatch(/^apps\/big\.yaml: \d+ YAML nodes; the budget is 5$/);
    const objects = await refusal(render({ "apps/many.yaml": `${cm("a")}---\n${cm("b")}` }, { budgets: { ...DEFAULT_BUDGETS, objects: 1 } }));
    expect(objects.message).toBe("more than 1 objects rendered; that is the budget");
  });
});

describe("rendering kustomize folders", () => {
  it("hands a kustomization folder to kustomize and does not read its files again", async () => {
    const asked: string[] = [];
    const objects = await render(
      { "apps/a.yaml": cm("plain"), "apps/overlay/kustomization.yaml": "resources: [x.yaml]\n", "apps/overlay/x.yaml": cm("x"), "apps/z.yaml": cm("z") },
      { kustomize: async (folder) => (asked.push(folder), cm("from-kustomize", "shop")) },
    );
    expect(asked).toEqual(["apps/overlay"]);
    expect(objects.map((object) => `${object.source}:${object.manifest.metadata.name}`)).toEqual(["apps/a.yaml:plain", "apps/overlay (kustomize):from-kustomize", "apps/z.yaml:z"]);
  });

  it("refuses a remote base before kustomize would fetch it from inside the cluster", async () => {
    for (const entry of ["https://github.com/acme/base/deploy?ref=v1", "github.com/acme/base//deploy?ref=v1", "git@github.com:acme/base.git"]) {
      const error = await refusal(render({ "apps/overlay/kustomization.yaml": `resources:\n  - ../local\n  - ${entry}\n` }, { kustomize: async () => "" }));
      expect(error.message).toBe(`apps/overlay/kustomization.yaml: resources entry "${entry}" is a remote base; bender sync renders only what the repository holds (vendor it into the repository)`);
    }
    expect(await render({ "apps/overlay/kustomization.yaml": "resources: [../base, cm.yaml]\n" }, { kustomize: async () => cm("local") })).toHaveLength(1);
  });

  it("runs the real kubectl kustomize on the extracted files", async () => {
    const files = tree({
      "apps/base/kustomization.yaml": "resources: [cm.yaml]\n",
      "apps/base/cm.yaml": cm("settings"),
      "apps/prod/kustomization.yaml": "namespace: prod\nnamePrefix: prod-\nresources: [../base]\n",
    });
    const session = kubectlKustomize(files, DEFAULT_BUDGETS);
    try {
      const objects = await renderTree(files, { paths: ["apps/prod"], budgets: DEFAULT_BUDGETS, kustomize: session.kustomize });
      expect(objects.map((object) => [object.manifest.metadata.namespace, object.manifest.metadata.name])).toEqual([["prod", "prod-settings"]]);
    } finally {
      await session.close();
    }
  });

  it("says kustomize failed, and where, without the temporary folder's name", async () => {
    const files = tree({ "apps/kustomization.yaml": "resources: [missing.yaml]\n" });
    const session = kubectlKustomize(files, DEFAULT_BUDGETS);
    try {
      const error = await refusal(renderTree(files, { paths: ["apps"], budgets: DEFAULT_BUDGETS, kustomize: session.kustomize }));
      expect(error.code).toBe("kustomize-failed");
      expect(error.message).toMatch(/^apps \(kustomize\): .*missing\.yaml/);
      expect(error.message).not.toContain("bender-sync-");
    } finally {
      await session.close();
    }
  });

  it("says clearly that kubectl is needed when it is missing", async () => {
    const files = tree({ "apps/kustomization.yaml": "resources: []\n" });
    const session = kubectlKustomize(files, DEFAULT_BUDGETS, "/nonexistent/kubectl");
    try {
      const error = await refusal(renderTree(files, { paths: ["apps"], budgets: DEFAULT_BUDGETS, kustomize: session.kustomize }));
      expect(error.code).toBe("kubectl-missing");
      expect(error.message).toContain("apps has a kustomization, and rendering it needs kubectl");
    } finally {
      await session.close();
    }
  });
});
