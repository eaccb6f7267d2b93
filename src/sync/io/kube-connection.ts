import { existsSync, readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { KubeError } from "./kube-error.js";
import { kubeTransport, type KubeTransport } from "./kube-transport.js";
import { readKubeconfig, type KubeconfigTarget } from "./kubeconfig.js";

/** What one request to the API server carries: its headers (credentials) and the transport (TLS settings, keep-alive connections). */
export interface KubeCredentials {
  readonly headers: Record<string, string>;
  readonly transport: KubeTransport;
}

/** One API server and how to reach it, made once per process (discovery is cached on it). */
export interface KubeConnection {
  /** `https://host:port`, no trailing slash. */
  readonly server: string;
  /** The namespace of the pod (in a cluster) or of the kubeconfig's context, when known. */
  readonly namespace: string | undefined;
  /** Server-side apply's field manager: Bender owns the fields it applies under this name. */
  readonly fieldManager: string;
  /** The credentials of the next request: a token file is re-read as it rotates, an exec plugin re-run as it expires. */
  credentials(): Promise<KubeCredentials>;
  /** Discovery documents by group version (src/sync/io/kube-discovery.ts). */
  readonly discovery: Map<string, Promise<unknown>>;
}

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface ConnectOptions {
  /** Prefix of the service account folder (tests point it at a temp folder), as client-node's loadFromCluster. */
  readonly pathPrefix?: string;
}

/** Projected service account tokens rotate; client-node re-reads the file after a minute, and so does Bender. */
const TOKEN_FILE_TTL_MS = 60_000;

function tokenFileReader(path: string): () => string {
  let cached: { token: string; at: number } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > TOKEN_FILE_TTL_MS) cached = { token: readFileSync(path, "utf8").trim(), at: now };
    return cached.token;
  };
}

/**
 * Bender's own requests need only a server, TLS material and a bearer token (or basic auth, or a client
 * certificate): importing client-node for that costs ~75 MiB and ~0.6 s. One transport per server reuses its
 * keep-alive connections across the run's thousands of requests.
 */
function directConnection(target: KubeconfigTarget, namespace: string | undefined): KubeConnection {
  const transport = kubeTransport(target.server, target.tls);
  const { auth } = target;
  const token = auth.kind === "token" ? () => auth.token : auth.kind === "token-file" ? tokenFileReader(auth.path) : undefined;
  const basic = auth.kind === "basic" ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}` : undefined;
  return {
    server: target.server, namespace, fieldManager: "bender", discovery: new Map(),
    credentials: async () => {
      const authorization = token ? `Bearer ${token()}` : basic;
      const headers: Record<string, string> = authorization ? { authorization } : {};
      return { headers, transport };
    },
  };
}

type AgentFactory = (cluster: unknown, agentOptions: ConnectionOptions) => object;

/**
 * A kubeconfig whose user authenticates through an exec plugin or an auth provider (EKS, GKE, OIDC, Azure):
 * client-node runs those, so it is loaded, only for such a kubeconfig. client-node 1.4 makes a new agent (a new
 * TLS connection) per request; Bender keeps only the TLS options it was given, and one transport per set of them.
 */
function pluginConnection(path: string, target: KubeconfigTarget): KubeConnection {
  let loaded: Promise<{ applyToFetchOptions(init: object): Promise<{ headers?: unknown; agent?: unknown }> }> | undefined;
  const load = async () => {
    const { KubeConfig } = await import("@kubernetes/client-node");
    const config = new KubeConfig();
    config.loadFromFile(path);
    const factory = config as unknown as { createAgent: AgentFactory };
    factory.createAgent = (_cluster, agentOptions) => {
      const key = `${String(agentOptions.rejectUnauthorized)}|${String(agentOptions.servername ?? "")}`;
      let transport = transports.get(key);
      if (!transport) transports.set(key, (transport = kubeTransport(target.server, agentOptions)));
      return transport;
    };
    return config;
  };
  const transports = new Map<string, KubeTransport>();
  return {
    server: target.server, namespace: target.namespace, fieldManager: "bender", discovery: new Map(),
    credentials: async () => {
      const init = await (loaded ??= load()).then((config) => config.applyToFetchOptions({}));
      const headers: Record<string, string> = {};
      for (const [key, value] of (init.headers ?? []) as Iterable<[string, string]>) headers[key.toLowerCase()] = value;
      return { headers, transport: init.agent as KubeTransport };
    },
  };
}

/**
 * Connects from KUBECONFIG when it is set (outside a cluster, or to reach another one), else with the pod's
 * service account (KUBERNETES_SERVICE_HOST/PORT and the token, CA and namespace files, the token re-read as
 * it rotates). Neither: a "not-configured" error naming both.
 */
export function connectToCluster(env: NodeJS.ProcessEnv = process.env, options: ConnectOptions = {}): KubeConnection {
  const kubeconfig = env.KUBECONFIG?.split(":").find((path) => path !== "");
  if (kubeconfig) {
    if (!existsSync(kubeconfig)) throw new KubeError("not-configured", `KUBECONFIG names ${kubeconfig}, which does not exist`);
    const target = readKubeconfig(kubeconfig);
    return target.auth.kind === "plugin" ? pluginConnection(kubeconfig, target) : directConnection(target, target.namespace);
  }
  const folder = `${options.pathPrefix ?? ""}${SERVICE_ACCOUNT_DIR}`;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host || !existsSync(`${folder}/token`)) {
    throw new KubeError("not-configured", `no Kubernetes access: set KUBECONFIG, or run in a pod with a service account token (${folder}/token) and KUBERNETES_SERVICE_HOST`);
  }
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const namespace = existsSync(`${folder}/namespace`) ? readFileSync(`${folder}/namespace`, "utf8").trim() : undefined;
  const ca = existsSync(`${folder}/ca.crt`) ? readFileSync(`${folder}/ca.crt`) : undefined;
  return directConnection({
    server, namespace, tls: { ...(ca ? { ca } : {}), rejectUnauthorized: true }, auth: { kind: "token-file", path: `${folder}/token` },
  }, namespace);
}
