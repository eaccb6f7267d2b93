import type { KubeConnection } from "./kube-connection.js";
import { UnknownKindError } from "./kube-error.js";
import { KubeApiError, kubeRequest } from "./kube-request.js";

interface ApiResource { name: string; kind: string; namespaced: boolean }
interface ApiResourceList { resources?: ApiResource[] }

/** `/api/v1` for the core group, `/apis/<group>/<version>` for the others. */
export function apiVersionPath(apiVersion: string): string {
  return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

function fetchList(kube: KubeConnection, apiVersion: string): Promise<ApiResourceList | undefined> {
  return kubeRequest<ApiResourceList>(kube, { method: "GET", path: apiVersionPath(apiVersion) }).catch((error: unknown) => {
    // A group version the server does not serve (yet: a CRD not applied) is "no such kind", not a failure.
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  });
}

/**
 * The resource serving `kind` in `apiVersion`, from the group version's discovery document, asked once per
 * connection. A kind missing from a cached document is asked again (a CRD may have been established since).
 */
export async function resourceOf(kube: KubeConnection, apiVersion: string, kind: string): Promise<ApiResource> {
  const find = (list: unknown) => (list as ApiResourceList | undefined)?.resources?.find((resource) => resource.kind === kind && !resource.name.includes("/"));
  const cached = kube.discovery.get(apiVersion);
  const known = cached ? find(await cached.catch(() => undefined)) : undefined;
  if (known) return known;
  const fresh = fetchList(kube, apiVersion);
  kube.discovery.set(apiVersion, fresh);
  let resource: ApiResource | undefined;
  try {
    resource = find(await fresh);
  } catch (error) {
    kube.discovery.delete(apiVersion);
    throw error;
  }
  if (!resource) throw new UnknownKindError(apiVersion, kind);
  return resource;
}

/** The path of an object (or, without a name, of its collection), its namespace defaulting to `default` as kubectl's. */
export async function objectPath(kube: KubeConnection, ref: { apiVersion: string; kind: string; namespace?: string | undefined; name?: string | undefined }): Promise<string> {
  const resource = await resourceOf(kube, ref.apiVersion, ref.kind);
  const parts = [apiVersionPath(ref.apiVersion)];
  if (resource.namespaced) parts.push("namespaces", encodeURIComponent(ref.namespace ?? "default"));
  parts.push(resource.name);
  if (ref.name !== undefined) parts.push(encodeURIComponent(ref.name));
  return parts.join("/");
}
