import type { ObjectRef, RenderedObject } from "./cluster-types.js";

export function refOf(manifest: RenderedObject["manifest"]): ObjectRef {
  const { apiVersion, kind, metadata } = manifest;
  return metadata.namespace === undefined
    ? { apiVersion, kind, name: metadata.name }
    : { apiVersion, kind, namespace: metadata.namespace, name: metadata.name };
}

/** Identity of an object across runs: group (not version: a version bump is the same object), kind, namespace, name. */
export function refKey(ref: ObjectRef): string {
  const group = ref.apiVersion.includes("/") ? ref.apiVersion.split("/")[0] : "";
  return `${group}|${ref.kind}|${ref.namespace ?? ""}|${ref.name}`;
}

/** "Deployment shop/web", "Namespace shop": how results and logs name an object. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

export function plainRef(ref: ObjectRef): ObjectRef {
  return refOf({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: ref.namespace === undefined ? { name: ref.name } : { name: ref.name, namespace: ref.namespace } });
}
