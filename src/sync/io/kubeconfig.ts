import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { parse } from "yaml";
import { KubeError } from "./kube-error.js";

/** How one kubeconfig context reaches its API server, as far as Bender reads it itself. */
export interface KubeconfigTarget {
  readonly server: string;
  readonly namespace: string | undefined;
  readonly tls: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer; readonly rejectUnauthorized: boolean; readonly servername?: string };
  /**
   * `token` / `basic`: Bender sends it itself. `plugin`: the user authenticates through an exec plugin or an auth
   * provider (EKS, GKE, OIDC…), which client-node runs; only such a kubeconfig loads client-node.
   */
  readonly auth:
    | { readonly kind: "none" }
    | { readonly kind: "token"; readonly token: string }
    | { readonly kind: "token-file"; readonly path: string }
    | { readonly kind: "basic"; readonly username: string; readonly password: string }
    | { readonly kind: "plugin" };
}

type Named<T> = { name?: string } & T;
interface Kubeconfig {
  "current-context"?: string;
  clusters?: Named<{ cluster?: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
  contexts?: Named<{ context?: { cluster?: string; user?: string; namespace?: string } }>[];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A `-data` field (base64) or a file path relative to the kubeconfig's folder, as kubectl reads them. */
function bytes(entry: Record<string, unknown>, field: string, folder: string): Buffer | undefined {
  const data = text(entry[`${field}-data`]);
  if (data) return Buffer.from(data, "base64");
  const path = text(entry[field]);
  return path ? readFileSync(isAbsolute(path) ? path : join(folder, path)) : undefined;
}

/** Reads the current context of the kubeconfig at `path` (JSON or YAML): its server, TLS settings, credentials and namespace. */
export function readKubeconfig(path: string): KubeconfigTarget {
  const folder = dirname(path);
  const config = (parse(readFileSync(path, "utf8")) ?? {}) as Kubeconfig;
  const contextName = config["current-context"];
  const context = config.contexts?.find((entry) => entry.name === contextName)?.context;
  if (!context) throw new KubeError("not-configured", `${path}: no current context (current-context: ${JSON.stringify(contextName ?? null)})`);
  const cluster = config.clusters?.find((entry) => entry.name === context.cluster)?.cluster;
  const server = text(cluster?.server);
  if (!cluster || !server) throw new KubeError("not-configured", `${path}: the context ${contextName} names cluster ${JSON.stringify(context.cluster ?? null)}, which has no server`);
  const user = config.users?.find((entry) => entry.name === context.user)?.user ?? {};
  const tls = {
    ...(bytes(cluster, "certificate-authority", folder) ? { ca: bytes(cluster, "certificate-authority", folder)! } : {}),
    ...(bytes(user, "client-certificate", folder) ? { cert: bytes(user, "client-certificate", folder)! } : {}),
    ...(bytes(user, "client-key", folder) ? { key: bytes(user, "client-key", folder)! } : {}),
    rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true,
    ...(text(cluster["tls-server-name"]) ? { servername: text(cluster["tls-server-name"])! } : {}),
  };
  const token = text(user.token);
  const tokenFile = text(user.tokenFile);
  const username = text(user.username);
  const auth: KubeconfigTarget["auth"] =
    user.exec || user["auth-provider"] ? { kind: "plugin" }
    : token ? { kind: "token", token }
    : tokenFile ? { kind: "token-file", path: isAbsolute(tokenFile) ? tokenFile : join(folder, tokenFile) }
    : username ? { kind: "basic", username, password: text(user.password) ?? "" }
    : { kind: "none" };
  return { server: server.replace(/\/+$/u, ""), namespace: text(context.namespace), tls, auth };
}
