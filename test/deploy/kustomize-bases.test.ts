/**
 * Every kustomization under deploy/ renders with `kubectl kustomize`, and
 * every object it renders is valid against Kubernetes' schemas, with no
 * unknown field: a broken manifest cannot land.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { schemaProblems, unknownFields } from "./kubernetes-schemas.js";

const DEPLOY = fileURLToPath(new URL("../../deploy", import.meta.url));

/** Folders holding a kustomization of kind Kustomization (components are built by the overlays that use them). */
function kustomizations(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) out.push(...kustomizations(full));
    else if (entry.name === "kustomization.yaml" && !/^kind:\s*Component\s*$/m.test(readFileSync(full, "utf8"))) out.push(folder);
  }
  return out.sort();
}

function render(folder: string): Record<string, unknown>[] {
  const run = spawnSync("kubectl", ["kustomize", folder], { encoding: "utf8" });
  if (run.error) throw new Error(`kubectl not found (.ci/run puts one on PATH): ${run.error.message}`);
  if (run.status !== 0) throw new Error(`kubectl kustomize ${folder} failed: ${run.stderr}`);
  return parseAllDocuments(run.stdout).map((document) => document.toJS() as Record<string, unknown>);
}

/** The fields of the kit's objects this suite reads. */
interface KitObject {
  kind: string;
  metadata: { name: string };
  spec: {
    replicas?: number;
    minAvailable?: number;
    policyTypes?: string[];
    ports?: { targetPort: string }[];
    template?: { spec: { containers: { env: unknown[]; ports: unknown[] }[] } };
    rules?: { http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] } }[];
  };
}

const FOLDERS = kustomizations(DEPLOY).map((folder) => path.relative(DEPLOY, folder));

describe("the kustomizations under deploy/", () => {
  it("are found (the list this suite checks)", () => {
    expect(FOLDERS).toEqual(expect.arrayContaining(["kubernetes", "examples/ingress", "sync"]));
  });

  it.each(FOLDERS)("deploy/%s renders, and every object is valid against Kubernetes' schemas", { timeout: 30_000 }, async (folder) => {
    const objects = render(path.join(DEPLOY, folder));
    expect(objects.length).toBeGreaterThan(0);
    const problems = (await Promise.all(objects.map((object) => schemaProblems(object)))).flat();
    expect(problems).toEqual([]);
  });
});

describe("the server's kit", () => {
  it("keeps /metrics off the port the Ingress reaches, budgets disruptions, and limits traffic", () => {
    const objects = render(path.join(DEPLOY, "examples/ingress")) as unknown as KitObject[];
    const byKind = (kind: string) => objects.filter((object) => object.kind === kind);
    const [deployment] = byKind("Deployment");
    const container = deployment?.spec.template?.spec.containers[0];
    expect(container?.env).toContainEqual({ name: "METRICS_PORT", value: "9090" });
    expect(container?.ports).toEqual([{ name: "http", containerPort: 3000 }, { name: "metrics", containerPort: 9090 }]);
    const backends = byKind("Ingress").flatMap((ingress) => (ingress.spec.rules ?? []).flatMap((rule) => rule.http.paths.map((entry) => `${entry.path} -> ${entry.backend.service.name}:${entry.backend.service.port.name}`)));
    expect(backends).toEqual(["/api/github/webhooks -> bender:http", "/api/builds -> bender:http", "/slack/events -> bender:http"]);
    const publicService = byKind("Service").find((service) => service.metadata.name === "bender");
    expect(publicService?.spec.ports?.map((port) => port.targetPort)).toEqual(["http"]);
    expect(byKind("PodDisruptionBudget")[0]?.spec.minAvailable).toBe(1);
    expect(deployment?.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(byKind("NetworkPolicy")[0]?.spec.policyTypes).toEqual(["Ingress", "Egress"]);
  });
});

describe("the schema check (its controls)", () => {
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "x" },
    spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } },
  };

  it("passes a valid object", async () => {
    expect(await schemaProblems(deployment)).toEqual([]);
  });

  it("refuses a wrong type, a missing required field, a bad enum value, an unknown field and an unknown kind", async () => {
    expect(await schemaProblems({ ...deployment, spec: { ...deployment.spec, replicas: "two" } })).toEqual([{ object: "Deployment/x", problem: expect.stringContaining("replicas must be integer") }]);
    expect(await schemaProblems({ ...deployment, spec: { template: deployment.spec.template } })).toEqual([{ object: "Deployment/x", problem: expect.stringContaining("must have required property selector") }]);
    const pod = { containers: [{ name: "c", image: "i", imagePullPolicy: "Sometimes", prots: [] }] };
    const problems = await schemaProblems({ ...deployment, spec: { ...deployment.spec, replica: 2, template: { ...deployment.spec.template, spec: pod } } });
    expect(problems).toEqual([
      { object: "Deployment/x", problem: expect.stringContaining("imagePullPolicy must be equal to one of the allowed values") },
      { object: "Deployment/x", problem: "unknown field spec.template.spec.containers[0].prots" },
      { object: "Deployment/x", problem: "unknown field spec.replica" },
    ]);
    expect(await schemaProblems({ apiVersion: "apps/v1", kind: "Deployemnt", metadata: { name: "y" } })).toEqual([{ object: "Deployemnt/y", problem: "no Kubernetes schema for apps/v1 Deployemnt" }]);
  });

  it("walks maps and lists of models", () => {
    expect(unknownFields({ data: { a: "b" }, metadata: { labels: { x: "y" }, lables: {} } }, "V1ConfigMap", "")).toEqual(["metadata.lables"]);
  });
});
