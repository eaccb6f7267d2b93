import { request as httpsRequest } from "node:https";
import { request as httpRequest, type Agent } from "node:http";
import { ApiException, type KubernetesObject } from "@kubernetes/client-node";
import type { KubeConnection } from "./kube-connection.js";

/** Longest one Kubernetes request may take (an apply of a large object included). */
const KUBE_REQUEST_TIMEOUT_MS = 60_000;

/**
 * Sends a manifest to the API exactly as rendered. client-node's typed calls pass bodies through its model
 * serializer, which silently drops every field its models do not know (a field newer than the client, a typo
 * the server should reject): applied that way, server-side apply would never set such a field. Auth, TLS and
 * discovery (the resource path) still come from client-node; errors are its ApiException, as from its own calls.
 */
export async function sendManifest(kube: KubeConnection, options: {
  manifest: KubernetesObject; action: "patch"; query: Record<string, string | undefined>; contentType: string;
}): Promise<KubernetesObject> {
  const path = await (kube.objects as unknown as { specUriPath(spec: KubernetesObject, action: string): Promise<string> }).specUriPath(options.manifest, options.action);
  const server = kube.config.getCurrentCluster()?.server ?? "";
  const url = new URL(`${server.replace(/\/$/u, "")}${path}`);
  for (const [key, value] of Object.entries(options.query)) if (value !== undefined) url.searchParams.set(key, value);
  const init = await kube.config.applyToFetchOptions({});
  const headers: Record<string, string> = {};
  for (const [key, value] of (init.headers ?? []) as Iterable<[string, string]>) headers[key] = value;
  const body = JSON.stringify(options.manifest);
  const send = url.protocol === "http:" ? httpRequest : httpsRequest;
  const { status, text, responseHeaders } = await new Promise<{ status: number; text: string; responseHeaders: Record<string, unknown> }>((resolve, reject) => {
    const outgoing = send(url, {
      method: options.action.toUpperCase(), agent: init.agent as Agent | undefined,
      headers: { ...headers, accept: "application/json", "content-type": options.contentType, "content-length": String(Buffer.byteLength(body)) },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), responseHeaders: response.headers }));
      response.on("error", reject);
    });
    outgoing.on("error", reject);
    // A hung API server must not hold the run (and its Lease) for ever.
    outgoing.setTimeout(KUBE_REQUEST_TIMEOUT_MS, () => outgoing.destroy(new Error(`the Kubernetes API did not answer within ${KUBE_REQUEST_TIMEOUT_MS / 1000} s`)));
    outgoing.end(body);
  });
  if (status < 200 || status > 299) throw new ApiException(status, "Unsuccessful HTTP Request", text, responseHeaders as Record<string, string>);
  return JSON.parse(text) as KubernetesObject;
}
