import type { RenderedObject } from "../../src/sync/cluster-types.js";

/** Rendered objects as the git side hands them over. */
export function configMap(name: string, data: Record<string, string>, extra: { namespace?: string; annotations?: Record<string, string> } = {}): RenderedObject {
  const metadata = { name, namespace: extra.namespace ?? "shop", ...(extra.annotations ? { annotations: extra.annotations } : {}) };
  return { source: `apps/${name}.yaml`, manifest: { apiVersion: "v1", kind: "ConfigMap", metadata, data } };
}

export function namespace(name: string): RenderedObject {
  return { source: `namespaces/${name}.yaml`, manifest: { apiVersion: "v1", kind: "Namespace", metadata: { name } } };
}

export function deployment(name: string, image: string, replicas = 2, namespaceName = "shop"): RenderedObject {
  return {
    source: `apps/${name}.yaml`,
    manifest: {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: namespaceName },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } },
      },
    },
  };
}

export function crontabDefinition(): RenderedObject {
  return {
    source: "crds/crontab.yaml",
    manifest: {
      apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "crontabs.stable.example.com" },
      spec: {
        group: "stable.example.com", scope: "Namespaced", names: { plural: "crontabs", singular: "crontab", kind: "CronTab" },
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
      },
    },
  };
}

export function cronTab(name: string, schedule: string): RenderedObject {
  return { source: `apps/${name}.yaml`, manifest: { apiVersion: "stable.example.com/v1", kind: "CronTab", metadata: { name, namespace: "shop" }, spec: { schedule } } };
}
