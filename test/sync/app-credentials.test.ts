/**
 * `bender sync` as a GitHub App, end to end: a real RSA key signs the App's JWT, the installation is looked up,
 * an installation token is issued, and the run reads the commit and tarball and reports the deployment with it.
 * GitHub is a local GitHub Enterprise stand-in (bench/sync/github-server.ts) that verifies the JWT's signature
 * with the App's public key and its claims, and checks on every other request that the token is one it issued
 * and that has not expired, as GitHub does. Kubernetes is the fake API over HTTPS.
 */
import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startBenchGitHub, type BenchGitHub } from "../../bench/sync/github-server.js";
import { syncCommand } from "../../src/cli/sync-command.js";
import { connectToCluster } from "../../src/sync/io/kube-connection.js";
import { applyObject, readObject } from "../../src/sync/io/kube-objects.js";
import type { SyncRunResult } from "../../src/sync/sync-result.js";
import { startFakeKubernetes, type FakeKubernetes } from "../support/fake-kubernetes.js";
import { githubTarball } from "../support/tarballs.js";

const ARGS = ["--repository", "acme/manifests", "--path", "clusters/prod", "--environment", "production", "--cluster", "prod-eu-1", "--namespace", "bender", "--default-namespace", "shop", "--json"];
const SHA = { first: "1".repeat(40), second: "2".repeat(40) };
const INSTALLATION = 4242;

function appKeys() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { pem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(), publicKey };
}

function configMap(colour: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  colour: ${colour}\n`;
}

async function archive(sha: string, colour: string): Promise<Buffer> {
  return githubTarball(sha, [
    { name: "clusters/prod/namespace.yaml", content: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n" },
    { name: "clusters/prod/settings.yaml", content: configMap(colour) },
  ]);
}

let fake: FakeKubernetes;
let github: BenchGitHub;
let env: NodeJS.ProcessEnv;
const key = appKeys();

beforeEach(async () => {
  fake = await startFakeKubernetes();
  fake.store.defaultSettleReads = 1;
  github = await startBenchGitHub(undefined, { app: { appId: 31337, publicKey: key.publicKey, installationId: INSTALLATION } });
  env = { APP_ID: "31337", PRIVATE_KEY: key.pem, GHE_HOST: github.host, GHE_PROTOCOL: "http", KUBECONFIG: fake.writeKubeconfig(), PATH: process.env.PATH };
  await applyObject(connectToCluster({ KUBECONFIG: env.KUBECONFIG }), { apiVersion: "v1", kind: "Namespace", metadata: { name: "bender" } }, { dryRun: false, force: false });
});
afterEach(async () => {
  await github.close();
  await fake.close();
});

async function sync(args: string[] = ARGS, options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; onResult?: (result: SyncRunResult) => void } = {}) {
  const results: SyncRunResult[] = [];
  const context = {
    stdout: { write: (chunk: string) => {
      for (const line of chunk.split("\n").filter(Boolean)) {
        results.push(JSON.parse(line) as SyncRunResult);
        options.onResult?.(results.at(-1)!);
      }
      return true;
    } },
    stderr: { write: () => true },
    cwd: "/",
  };
  // In progress is reported at once (in production after a second's work), so the requests below do not depend on speed.
  const code = await syncCommand(args, context, { env: options.env ?? env, inProgressAfter: "at-once", ...(options.signal ? { signal: options.signal } : {}) });
  return { code, results };
}

async function liveColour(): Promise<unknown> {
  const live = await readObject(connectToCluster({ KUBECONFIG: env.KUBECONFIG }), { apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "settings" });
  return (live?.data as { colour?: string } | undefined)?.colour;
}

describe("bender sync as a GitHub App", () => {
  it("signs a JWT, looks the installation up, and does the whole run with the installation token", async () => {
    github.push(SHA.first, await archive(SHA.first, "blue"));
    const { code, results } = await sync();
    expect(code).toBe(0);
    expect(results[0]).toMatchObject({ outcome: "applied", commit: SHA.first, deployment: { state: "success" } });
    expect(await liveColour()).toBe("blue");
    expect(github.requests).toEqual([
      "GET /installation 200",
      `POST /api/v3/app/installations/${INSTALLATION}/access_tokens 201`,
      "GET /commits/main 200",
      `GET /tarball/${SHA.first} 200`,
      "GET /deployments 200",
      "POST /deployments 201",
      "POST /deployments/1/statuses 201",
      "POST /deployments/1/statuses 201",
    ]);
    expect(github.statuses.map((status) => status.state)).toEqual(["in_progress", "success"]);

    // A fresh process (a CronJob's next run): the installation comes from the recorded state, a new token is issued.
    github.requests.length = 0;
    expect((await sync()).results[0]).toMatchObject({ outcome: "up-to-date" });
    expect(github.requests).toEqual([`POST /api/v3/app/installations/${INSTALLATION}/access_tokens 201`, "GET /commits/main 304"]);
  });

  it("is refused, touching nothing, when the JWT is signed with another key", async () => {
    github.push(SHA.first, await archive(SHA.first, "blue"));
    const { code, results } = await sync(ARGS, { env: { ...env, PRIVATE_KEY: appKeys().pem } });
    expect(code).toBe(1);
    expect(results[0]).toMatchObject({ outcome: "failed", errorCode: "forbidden" });
    expect(results[0]!.failures[0]!.reason).toContain("looking up the GitHub App's installation on acme/manifests");
    expect(github.requests).toEqual(["GET /installation 401"]);
    expect(await liveColour()).toBeUndefined();
  });

  it("--watch reuses one installation token across runs, and applies a merge made while it watches", async () => {
    github.push(SHA.first, await archive(SHA.first, "blue"));
    const stop = new AbortController();
    const seen: SyncRunResult[] = [];
    const watching = sync([...ARGS, "--watch", "1s"], {
      onResult: (result) => {
        seen.push(result);
        if (seen.length === 2) void archive(SHA.second, "green").then((next) => github.push(SHA.second, next));
        if (result.commit === SHA.second && result.outcome === "applied") stop.abort();
      },
      signal: stop.signal,
    });
    const { code, results } = await watching;
    expect(code).toBe(0);
    expect(results.map((result) => result.outcome)).toContain("up-to-date");
    expect(results.at(-1)).toMatchObject({ outcome: "applied", commit: SHA.second });
    expect(await liveColour()).toBe("green");
    expect(github.tokensIssued).toBe(1);
    expect(github.requests.filter((request) => request.includes("/installation"))).toHaveLength(2); // one lookup, one token
  });
});
