import { existsSync, readFileSync } from "node:fs";
import type { Agent } from "node:http";
import { CoordinationV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi } from "@kubernetes/client-node";
import { KubeError } from "./kube-error.js";

/** The clients one sync run uses, made once (KubernetesObjectApi caches discovery per instance). */
export interface KubeConnection {
  readonly config: KubeConfig;
  readonly objects: KubernetesObjectApi;
  readonly leases: CoordinationV1Api;
  /** Typed core API: reads of known ConfigMaps need no discovery request. */
  readonly core: CoreV1Api;
  /** The namespace of the pod (in a cluster) or of the kubeconfig's context, when known. */
  readonly namespace: string | undefined;
  /** Server-side apply's field manager: Bender owns the fields it applies under this name. */
  readonly fieldManager: string;
}

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface ConnectOptions {
  /** Prefix of the service account folder (tests point it at a temp folder), as client-node's loadFromCluster. */
  readonly pathPrefix?: string;
}

type AgentFactory = (cluster: unknown, agentOptions: Record<string, unknown>) => Agent;

/**
 * client-node 1.4 makes a new agent, so a new TLS connection (and CA parse), for every request: a run of 1,000
 * objects paid a handshake per request. One keep-alive agent per distinct set of TLS options reuses connections.
 */
function reuseConnections(config: KubeConfig): void {
  const target = config as unknown as { createAgent: AgentFactory };
  const create = target.createAgent.bind(config);
  const agents = new Map<string, Agent>();
  target.createAgent = (cluster, agentOptions) => {
    // One KubeConfig here means one cluster and one user: the server and the TLS switches tell agents apart.
    const key = `${(cluster as { server?: string } | null)?.server ?? ""}|${String(agentOptions.rejectUnauthorized)}|${String(agentOptions.servername ?? "")}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = create(cluster, { ...agentOptions, keepAlive: true, maxSockets: 8 });
      agents.set(key, agent);
    }
    return agent;
  };
}

/** Clients for a loaded config. */
export function connectWithConfig(config: KubeConfig, namespace?: string): KubeConnection {
  reuseConnections(config);
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    objects: KubernetesObjectApi.makeApiClient(config),
    leases: config.makeApiClient(CoordinationV1Api),
    namespace: namespace ?? config.getContextObject(config.getCurrentContext())?.namespace,
    fieldManager: "bender",
  };
}

/**
 * Connects from KUBECONFIG when it is set (outside a cluster, or to reach another one), else with the pod's
 * service account (KUBERNETES_SERVICE_HOST/PORT and the token, CA and namespace files, the token re-read as
 * it rotates). Neither: a "not-configured" error naming both.
 */
export function connectToCluster(env: NodeJS.ProcessEnv = process.env, options: ConnectOptions = {}): KubeConnection {
  const config = new KubeConfig();
  const kubeconfig = env.KUBECONFIG?.split(":").find((path) => path !== "");
  if (kubeconfig) {
    if (!existsSync(kubeconfig)) throw new KubeError("not-configured", `KUBECONFIG names ${kubeconfig}, which does not exist`);
    config.loadFromFile(kubeconfig);
    return connectWithConfig(config);
  }
  const folder = `${options.pathPrefix ?? ""}${SERVICE_ACCOUNT_DIR}`;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host || !existsSync(`${folder}/token`)) {
    throw new KubeError("not-configured", `no Kubernetes access: set KUBECONFIG, or run in a pod with a service account token (${folder}/token) and KUBERNETES_SERVICE_HOST`);
  }
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const namespace = existsSync(`${folder}/namespace`) ? readFileSync(`${folder}/namespace`, "utf8").trim() : undefined;
  config.loadFromOptions({
    clusters: [{ name: "in-cluster", server, caFile: `${folder}/ca.crt`, skipTLSVerify: false }],
    users: [{ name: "service-account", authProvider: { name: "tokenFile", config: { tokenFile: `${folder}/token` } } }],
    contexts: [{ name: "in-cluster", cluster: "in-cluster", user: "service-account", namespace }],
    currentContext: "in-cluster",
  });
  return connectWithConfig(config, namespace);
}
