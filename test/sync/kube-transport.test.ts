import { spawn } from "node:child_process";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { kubeTransport, type KubeTransport } from "../../src/sync/io/kube-transport.js";
import type { TransportLimits } from "../../src/sync/io/kube-transport-types.js";
import { startFakeKubernetes, type FakeKubernetes } from "../support/fake-kubernetes.js";
import { testCertificates } from "../support/fake-kubernetes/tls.js";

const LIMITS: TransportLimits = { timeoutMs: 10_000, maxAnswerBytes: 32 * 1024 * 1024 };
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function fakeApi(options: { http1Only?: boolean } = {}): Promise<{ fake: FakeKubernetes; transport: KubeTransport }> {
  const fake = await startFakeKubernetes(options);
  closers.push(() => fake.close());
  return { fake, transport: kubeTransport(fake.url, { ca: fake.caPem, rejectUnauthorized: true }) };
}

function get(transport: KubeTransport, token: string, path: string, limits = LIMITS) {
  return transport.send({ method: "GET", path, headers: { authorization: `Bearer ${token}`, accept: "application/json" }, discardAnswer: false }, limits);
}

function applyConfigMap(transport: KubeTransport, token: string, name: string, discardAnswer = true) {
  const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: { colour: "blue" } });
  return transport.send({
    method: "PATCH", path: `/api/v1/namespaces/default/configmaps/${name}?fieldManager=bender`, body, discardAnswer,
    headers: { authorization: `Bearer ${token}`, accept: "application/json", "content-type": "application/apply-patch+yaml", "content-length": String(Buffer.byteLength(body)) },
  }, LIMITS);
}

describe("the transport to the API server", () => {
  for (const http1Only of [false, true]) {
    it(`sends HTTP/1.1 to a server ${http1Only ? "that offers only HTTP/1.1" : "that offers h2 too"}`, async () => {
      const { fake, transport } = await fakeApi({ http1Only });
      const answers = await Promise.all(Array.from({ length: 40 }, (_, index) => applyConfigMap(transport, fake.token, `map-${index}`)));
      expect(answers.every((answer) => answer.status === 201 && answer.text === "")).toBe(true);
      const read = await get(transport, fake.token, "/api/v1/namespaces/default/configmaps/map-3");
      expect(JSON.parse(read.text)).toMatchObject({ data: { colour: "blue" } });
      expect(new Set(fake.requests.map((request) => request.httpVersion))).toEqual(new Set(["1.1"]));
      const missing = await get(transport, fake.token, "/api/v1/namespaces/default/configmaps/none");
      expect(missing.status).toBe(404);
      expect(JSON.parse(missing.text)).toMatchObject({ kind: "Status", reason: "NotFound" });
      expect((await get(transport, "wrong-token", "/api/v1/namespaces/default/configmaps/map-3")).status).toBe(401);
    });
  }

  it("reads an answer only when asked: a 2xx body is drained, an error's Status is read", async () => {
    const { fake, transport } = await fakeApi();
    expect((await applyConfigMap(transport, fake.token, "kept", true)).text).toBe("");
    expect(JSON.parse((await applyConfigMap(transport, fake.token, "kept", false)).text)).toMatchObject({ metadata: { name: "kept" } });
    fake.faults.push({ matches: () => true, code: 422, reason: "Invalid", message: "refused by a test" });
    const refused = await applyConfigMap(transport, fake.token, "kept", true);
    expect(refused.status).toBe(422);
    expect(JSON.parse(refused.text)).toMatchObject({ reason: "Invalid", message: "refused by a test" });
  });

  it("refuses an answer over its byte budget", async () => {
    const { fake, transport } = await fakeApi();
    await Promise.all(Array.from({ length: 20 }, (_, index) => applyConfigMap(transport, fake.token, `map-${index}`)));
    await expect(get(transport, fake.token, "/api/v1/namespaces/default/configmaps", { ...LIMITS, maxAnswerBytes: 1024 }))
      .rejects.toMatchObject({ code: "over-budget", message: expect.stringMatching(/answer to GET \/api\/v1\/namespaces\/default\/configmaps is over/u) });
    // The connection is still good for the next request.
    expect((await get(transport, fake.token, "/api/v1/namespaces/default/configmaps/map-1")).status).toBe(200);
  });

  it("gives up on a server that does not answer within the timeout", async () => {
    const { keyPem, certPem, caPem } = testCertificates();
    const hung = createServer({ key: keyPem, cert: certPem }, () => {});
    const sockets = new Set<{ destroy(): void }>();
    hung.on("secureConnection", (socket: { destroy(): void }) => sockets.add(socket));
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      hung.close(() => resolve());
    }));
    const transport = kubeTransport(`https://127.0.0.1:${(hung.address() as AddressInfo).port}`, { ca: caPem, rejectUnauthorized: true });
    const started = Date.now();
    await expect(get(transport, "token", "/api", { ...LIMITS, timeoutMs: 300 })).rejects.toThrow("the Kubernetes API did not answer within 0.3 s");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("refuses a server whose certificate the CA did not sign, before sending anything", async () => {
    const { fake } = await fakeApi();
    const stranger = kubeTransport(fake.url, { rejectUnauthorized: true });
    await expect(get(stranger, fake.token, "/api")).rejects.toMatchObject({ code: expect.stringMatching(/CERT|SIGNATURE|SELF_SIGNED|UNABLE_TO/u) });
    expect(fake.requests).toHaveLength(0);
  });

  it("does not keep the process alive once its requests are answered (a CronJob run exits)", async () => {
    const { fake } = await fakeApi();
    const script = `
      const { connectToCluster } = await import(${JSON.stringify(fileURLToPath(new URL("../../dist/sync/io/kube-connection.js", import.meta.url)))});
      const { readObject } = await import(${JSON.stringify(fileURLToPath(new URL("../../dist/sync/io/kube-objects.js", import.meta.url)))});
      const live = await readObject(connectToCluster({ KUBECONFIG: process.env.KUBECONFIG }), { apiVersion: "v1", kind: "Namespace", name: "default" });
      console.log(live.metadata.name);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, KUBECONFIG: fake.writeKubeconfig() } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = await Promise.race([
      new Promise<number | null>((resolve) => child.on("close", resolve)),
      new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), 8000)),
    ]);
    if (exited === "still running") child.kill();
    expect({ exited, output: output.trim() }).toEqual({ exited: 0, output: "default" });
    expect(fake.requests.at(-1)?.status).toBe(200);
  });
});
