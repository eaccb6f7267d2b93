import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectToCluster, SERVICE_ACCOUNT_DIR } from "../../src/sync/io/kube-connection.js";
import { applyObject, readObject } from "../../src/sync/io/kube-objects.js";
import { startFakeKubernetes, type FakeKubernetes } from "../support/fake-kubernetes.js";

let fake: FakeKubernetes;
let root: string;

beforeEach(async () => {
  fake = await startFakeKubernetes();
  root = mkdtempSync(join(tmpdir(), "service-account-"));
});
afterEach(async () => {
  await fake.close();
  rmSync(root, { recursive: true, force: true });
});

function serviceAccount(token: string): void {
  const folder = join(root, SERVICE_ACCOUNT_DIR);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "token"), token);
  writeFileSync(join(folder, "ca.crt"), fake.caPem);
  writeFileSync(join(folder, "namespace"), "bender\n");
}

const port = () => new URL(fake.url).port;
const defaultNamespace = { apiVersion: "v1", kind: "Namespace", name: "default" };

describe("connectToCluster", () => {
  it("uses the pod's service account: its token, CA and namespace", async () => {
    serviceAccount(fake.token);
    const kube = connectToCluster({ KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: port() }, { pathPrefix: root });
    expect(kube.namespace).toBe("bender");
    expect((await readObject(kube, defaultNamespace))?.metadata?.name).toBe("default");
    const applied = await applyObject(kube, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "probe", namespace: "default" }, data: { a: "b" } }, { dryRun: false, force: false });
    expect(applied.metadata?.resourceVersion).toMatch(/^\d+$/u);
  });

  it("is refused with the API's reason when the token is wrong", async () => {
    serviceAccount("stale-token");
    const kube = connectToCluster({ KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: port() }, { pathPrefix: root });
    await expect(readObject(kube, defaultNamespace)).rejects.toMatchObject({ code: "unauthorized", apiReason: "Unauthorized" });
  });

  it("prefers KUBECONFIG when it is set", async () => {
    const kube = connectToCluster({ KUBECONFIG: fake.writeKubeconfig(), KUBERNETES_SERVICE_HOST: "10.0.0.1" }, { pathPrefix: root });
    expect((await readObject(kube, defaultNamespace))?.metadata?.name).toBe("default");
  });

  it("runs a kubeconfig's exec plugin (EKS, GKE…) through client-node, loaded only for such a kubeconfig", async () => {
    const kubeconfig = JSON.parse(readFileSync(fake.writeKubeconfig(), "utf8")) as { users: { user: Record<string, unknown> }[] };
    const credential = JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1beta1", kind: "ExecCredential", status: { token: fake.token } });
    kubeconfig.users[0]!.user = { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: process.execPath, args: ["-e", `console.log(${JSON.stringify(credential)})`] } };
    const path = join(root, "exec-kubeconfig");
    writeFileSync(path, JSON.stringify(kubeconfig));
    const kube = connectToCluster({ KUBECONFIG: path });
    expect((await readObject(kube, defaultNamespace))?.metadata?.name).toBe("default");
    expect(fake.requests.at(-1)?.status).toBe(200);
  });

  it("sends a kubeconfig's token itself, and is refused with the API's reason when it is wrong", async () => {
    const kubeconfig = JSON.parse(readFileSync(fake.writeKubeconfig(), "utf8")) as { users: { user: Record<string, unknown> }[] };
    kubeconfig.users[0]!.user = { token: "not-the-token" };
    const path = join(root, "wrong-kubeconfig");
    writeFileSync(path, JSON.stringify(kubeconfig));
    await expect(readObject(connectToCluster({ KUBECONFIG: path }), defaultNamespace)).rejects.toMatchObject({ code: "unauthorized" });
  });

  it("names both ways in when there is neither", () => {
    expect(() => connectToCluster({}, { pathPrefix: root })).toThrow(/set KUBECONFIG, or run in a pod with a service account token/u);
    expect(() => connectToCluster({ KUBECONFIG: join(root, "missing") })).toThrow(/KUBECONFIG names .*missing, which does not exist/u);
  });

  it("says the API is unreachable when nothing listens", async () => {
    serviceAccount(fake.token);
    await fake.close();
    const kube = connectToCluster({ KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: port() }, { pathPrefix: root });
    await expect(readObject(kube, defaultNamespace)).rejects.toMatchObject({ code: "unreachable" });
    fake = await startFakeKubernetes();
  });
});
