import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// Rendered objects are walked freely in assertions; a wrong path fails the expectation.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;
import { DEFAULT_BUDGETS } from "../../src/sync/budgets.js";
import { parseManifests } from "../../src/sync/parse-manifests.js";

// deploy/sync rendered by the real kubectl kustomize, as a user would apply it.
const DEPLOY = fileURLToPath(new URL("../../deploy/sync", import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), "bender-deploy-sync-"));
cpSync(DEPLOY, path.join(work, "sync"), { recursive: true });
afterAll(() => rmSync(work, { recursive: true, force: true }));

function render(overlay?: { namespace: string; components: string[] }) {
  let folder = path.join(work, "sync");
  if (overlay) {
    folder = path.join(work, `overlay-${overlay.components.join("-").replaceAll("/", "_")}`);
    mkdirSync(folder, { recursive: true });
    const components = overlay.components.map((name) => `../sync/components/${name}`);
    writeFileSync(path.join(folder, "kustomization.yaml"), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${overlay.namespace}\nresources: [../sync]\ncomponents: ${JSON.stringify(components)}\n`);
  }
  const text = execFileSync("kubectl", ["kustomize", folder], { encoding: "utf8" });
  return parseManifests(text, "deploy/sync", { budgets: DEFAULT_BUDGETS }).map((object) => object.manifest as Loose);
}

const kinds = (objects: Loose[]) => objects.map((object) => `${object.kind}/${object.metadata.name}`).sort();

describe("deploy/sync", () => {
  it("the base: a CronJob every minute that never overlaps, its service account, cluster-wide RBAC, settings", () => {
    const objects = render();
    expect(kinds(objects)).toEqual([
      "ClusterRole/bender-sync-apply", "ClusterRoleBinding/bender-sync-apply", "ConfigMap/bender-sync-settings", "CronJob/bender-sync",
      "Namespace/bender-sync", "Role/bender-sync-state", "RoleBinding/bender-sync-state", "ServiceAccount/bender-sync",
    ]);
    const cronJob = objects.find((object) => object.kind === "CronJob");
    expect(cronJob?.spec).toMatchObject({ schedule: "* * * * *", concurrencyPolicy: "Forbid" });
    const pod = cronJob?.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe("bender-sync");
    expect(pod.containers[0].args).toEqual(["sync", "--once"]);
    expect(pod.containers[0].envFrom).toEqual([{ configMapRef: { name: "bender-sync-settings" } }, { secretRef: { name: "bender-sync" } }]);
    const state = objects.find((object) => object.kind === "Role");
    expect(state?.rules).toContainEqual({ apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] });
    const settings = objects.find((object) => object.kind === "ConfigMap");
    expect(Object.keys(settings?.data ?? {}).every((key) => /^BENDER_SYNC_[A-Z_]+$|^GHE_/.test(key))).toBe(true);
  });

  it("the --watch component: a Deployment instead of the CronJob", () => {
    const objects = render({ namespace: "bender-sync", components: ["watch"] });
    expect(kinds(objects)).toContain("Deployment/bender-sync");
    expect(kinds(objects)).not.toContain("CronJob/bender-sync");
    const deployment = objects.find((object) => object.kind === "Deployment");
    expect(deployment?.spec.template.spec.containers[0].args).toEqual(["sync", "--watch", "10s"]);
  });

  it("the namespace-scoped component: everything in the team's namespace, no cluster-wide role", () => {
    const objects = render({ namespace: "shop", components: ["namespace-scoped"] });
    expect(kinds(objects)).not.toContain("ClusterRole/bender-sync-apply");
    expect(kinds(objects)).not.toContain("ClusterRoleBinding/bender-sync-apply");
    expect(kinds(objects)).not.toContain("Namespace/bender-sync");
    expect(kinds(objects)).toContain("Role/bender-sync-apply");
    expect(objects.every((object) => object.metadata.namespace === "shop")).toBe(true);
    const binding = objects.find((object) => object.kind === "RoleBinding" && object.metadata.name === "bender-sync-apply");
    expect(binding?.subjects).toEqual([{ kind: "ServiceAccount", name: "bender-sync", namespace: "shop" }]);
  });
});
