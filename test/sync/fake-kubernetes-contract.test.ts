import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeKubernetes, type FakeKubernetes } from "../support/fake-kubernetes.js";

// Proves the fake speaks the real protocol: the real kubectl drives it and sees what it sees against a cluster.
// The fake serves no OpenAPI documents (kubectl downloads v2 as protobuf), so kubectl's client-side schema
// validation is off (--validate=false); the fake validates names and the fields Bender's tests rely on itself.
const run = promisify(execFile);
let fake: FakeKubernetes;
let folder: string;
let env: NodeJS.ProcessEnv;

async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // kubectl from PATH (or KUBECTL): the machine's, or the one .ci/run takes from the npm registry.
    const { stdout, stderr } = await run(process.env.KUBECTL || "kubectl", args, { env, timeout: 15_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function manifest(file: string, value: string): string {
  const path = join(folder, file);
  writeFileSync(path, JSON.stringify({
    apiVersion: "v1", kind: "ConfigMap",
    metadata: { name: "settings", namespace: "default", labels: { app: "web", tier: "front" } },
    data: { colour: value },
  }));
  return path;
}

beforeAll(async () => {
  fake = await startFakeKubernetes();
  folder = mkdtempSync(join(tmpdir(), "kubectl-contract-"));
  env = { PATH: process.env.PATH, HOME: folder, KUBECONFIG: fake.writeKubeconfig(), KUBECACHEDIR: join(folder, "cache") };
});

afterAll(async () => {
  await fake.close();
  rmSync(folder, { recursive: true, force: true });
});

describe("the fake Kubernetes API against the real kubectl", () => {
  it("refuses kubectl without the token", async () => {
    const other = await startFakeKubernetes({ token: "another-token" });
    try {
      const result = await kubectl("--server", other.url, "get", "configmaps", "-o", "name");
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/Unauthorized|provide credentials/u);
    } finally {
      await other.close();
    }
  });

  it("dry-runs on the server without storing anything", async () => {
    const result = await kubectl("apply", "--validate=false", "--server-side", "--dry-run=server", "-f", manifest("blue.json", "blue"));
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("configmap/settings serverside-applied (server dry run)");
    expect((await kubectl("get", "configmap", "settings")).stderr).toContain('configmaps "settings" not found');
    // kubectl asked for aggregated discovery, got the legacy documents, and fell back to them.
    const discovery = fake.requests.filter((request) => request.path === "/apis");
    expect(discovery[0]?.accept).toContain("g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    expect(fake.requests.some((request) => request.path === "/apis/apps/v1" || request.path === "/api/v1")).toBe(true);
    // kubectl chose HTTP/2 (ALPN), as against a real API server.
    expect(new Set(fake.requests.map((request) => request.httpVersion))).toEqual(new Set(["2.0"]));
  });

  it("serves kubectl over HTTP/1.1 when it offers only that (a server behind a proxy without h2)", async () => {
    const http1 = await startFakeKubernetes({ http1Only: true });
    try {
      const result = await kubectl("--kubeconfig", http1.writeKubeconfig(), "get", "namespaces", "-o", "name");
      expect(result.stdout.split("\n")).toContain("namespace/default");
      expect(http1.requests.length).toBeGreaterThan(0);
      expect(new Set(http1.requests.map((request) => request.httpVersion))).toEqual(new Set(["1.1"]));
    } finally {
      await http1.close();
    }
  });

  it("creates with server-side apply, then leaves an unchanged apply unchanged", async () => {
    const first = await kubectl("apply", "--validate=false", "--server-side", "-f", manifest("blue.json", "blue"));
    expect(first.stdout).toContain("configmap/settings serverside-applied");
    const created = JSON.parse((await kubectl("get", "configmap", "settings", "-o", "json", "--show-managed-fields")).stdout);
    expect(created.data).toEqual({ colour: "blue" });
    expect(created.metadata.managedFields[0]).toMatchObject({ manager: "kubectl", operation: "Apply", fieldsV1: { "f:data": { "f:colour": {} } } });

    await kubectl("apply", "--validate=false", "--server-side", "-f", manifest("blue.json", "blue"));
    const again = JSON.parse((await kubectl("get", "configmap", "settings", "-o", "json")).stdout);
    expect(again.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it("reports a field-manager conflict, and takes the field over with --force-conflicts", async () => {
    const path = manifest("red.json", "red");
    const conflict = await kubectl("apply", "--validate=false", "--server-side", "--field-manager=bender", "-f", path);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('conflict with "kubectl"');
    expect(conflict.stderr).toContain(".data.colour");
    expect(JSON.parse((await kubectl("get", "configmap", "settings", "-o", "json")).stdout).data.colour).toBe("blue");

    const forced = await kubectl("apply", "--validate=false", "--server-side", "--field-manager=bender", "--force-conflicts", "-f", path);
    expect(forced.stderr).toBe("");
    const taken = JSON.parse((await kubectl("get", "configmap", "settings", "-o", "json", "--show-managed-fields")).stdout);
    expect(taken.data.colour).toBe("red");
    const owners = taken.metadata.managedFields.filter((entry: { fieldsV1: { "f:data"?: object } }) => entry.fieldsV1["f:data"]);
    expect(owners.map((entry: { manager: string }) => entry.manager)).toEqual(["bender"]);
  });

  it("selects by label and deletes", async () => {
    expect((await kubectl("get", "configmaps", "-l", "app=web,tier in (front,back)", "-o", "name")).stdout.trim()).toBe("configmap/settings");
    expect((await kubectl("get", "configmaps", "-l", "app!=web", "-o", "name")).stdout.trim()).toBe("");
    const deleted = await kubectl("delete", "configmap", "settings");
    expect(deleted.stdout).toContain('configmap "settings" deleted');
    expect((await kubectl("get", "configmaps", "-o", "name")).stdout.trim()).toBe("");
  });
});
