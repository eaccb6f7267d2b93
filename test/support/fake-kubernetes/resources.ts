/** One served resource, as discovery describes it. */
export interface ResourceType {
  readonly group: string; // "" for the core group
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** Kinds whose status is a subresource: an apply or update of the main resource ignores `status`. */
  readonly statusSubresource: boolean;
}

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function builtIn(group: string, version: string, kind: string, plural: string, namespaced: boolean, statusSubresource = false): ResourceType {
  return { group, version, kind, plural, namespaced, statusSubresource };
}

/** The built-in kinds Bender and its tests use. */
export function builtInResources(): ResourceType[] {
  return [
    builtIn("", "v1", "Namespace", "namespaces", false, true),
    builtIn("", "v1", "ConfigMap", "configmaps", true),
    builtIn("", "v1", "Secret", "secrets", true),
    builtIn("", "v1", "Service", "services", true, true),
    builtIn("", "v1", "ServiceAccount", "serviceaccounts", true),
    builtIn("", "v1", "PersistentVolume", "persistentvolumes", false, true),
    builtIn("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, true),
    builtIn("apps", "v1", "Deployment", "deployments", true, true),
    builtIn("apps", "v1", "StatefulSet", "statefulsets", true, true),
    builtIn("apps", "v1", "DaemonSet", "daemonsets", true, true),
    builtIn("coordination.k8s.io", "v1", "Lease", "leases", true),
    builtIn("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false, true),
    builtIn("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
    builtIn("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
  ];
}

export function groupVersion(type: { group: string; version: string }): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

/** GET /api: the legacy core group's versions. */
export function coreVersions(): object {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }] };
}

/** GET /apis: the legacy group list (the fake answers aggregated-discovery requests with it; clients fall back). */
export function groupList(types: readonly ResourceType[]): object {
  const groups = new Map<string, Set<string>>();
  for (const type of types) {
    if (type.group === "") continue;
    const versions = groups.get(type.group) ?? new Set<string>();
    versions.add(type.version);
    groups.set(type.group, versions);
  }
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [...groups].map(([name, versions]) => {
      const list = [...versions].map((version) => ({ groupVersion: `${name}/${version}`, version }));
      return { name, versions: list, preferredVersion: list[0] };
    }),
  };
}

/** GET /api/v1 or /apis/{group}/{version}: the resources of one group version, or undefined when not served. */
export function resourceList(types: readonly ResourceType[], gv: string): object | undefined {
  const served = types.filter((type) => groupVersion(type) === gv);
  if (served.length === 0) return undefined;
  const resources = served.flatMap((type) => {
    const main = { name: type.plural, singularName: type.kind.toLowerCase(), namespaced: type.namespaced, kind: type.kind, verbs: VERBS };
    const status = { name: `${type.plural}/status`, singularName: "", namespaced: type.namespaced, kind: type.kind, verbs: ["get", "patch", "update"] };
    return type.statusSubresource ? [main, status] : [main];
  });
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources };
}

/** The resource types a CustomResourceDefinition serves once established. */
export function typesOfDefinition(crd: Record<string, unknown>): ResourceType[] {
  const spec = crd.spec as { group: string; names: { kind: string; plural: string }; scope: string; versions?: { name: string; served?: boolean; subresources?: { status?: object } }[] };
  return (spec.versions ?? []).filter((version) => version.served !== false).map((version) => ({
    group: spec.group,
    version: version.name,
    kind: spec.names.kind,
    plural: spec.names.plural,
    namespaced: spec.scope === "Namespaced",
    statusSubresource: version.subresources?.status !== undefined,
  }));
}
