import { PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import { sendManifest } from "./kube-request.js";
import type { ObjectRef } from "../cluster-types.js";
import { describeRef, refOf } from "../object-ref.js";
import type { KubeConnection } from "./kube-connection.js";
import { toKubeError } from "./kube-error.js";

/** client-node's positional APIs (`patch(obj, undefined, dryRun, manager, force, strategy)`) behind option objects. */

function specOf(ref: ObjectRef): KubernetesObject {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: ref.namespace === undefined ? { name: ref.name } : { name: ref.name, namespace: ref.namespace } };
}

/** Server-side apply under Bender's field manager, the manifest sent as rendered; a dry run (dryRun=All) changes nothing. */
export async function applyObject(kube: KubeConnection, manifest: Record<string, unknown>, options: { dryRun: boolean; force: boolean }): Promise<KubernetesObject> {
  const spec = structuredClone(manifest) as KubernetesObject; // client-node fills in defaults on the object it is given
  try {
    return await sendManifest(kube, {
      manifest: spec, action: "patch", contentType: PatchStrategy.ServerSideApply,
      query: { dryRun: options.dryRun ? "All" : undefined, fieldManager: kube.fieldManager, force: options.force ? "true" : undefined },
    });
  } catch (error) {
    throw toKubeError(error, `${options.dryRun ? "dry-run of " : ""}apply of ${describeRef(refOf(manifest as Parameters<typeof refOf>[0]))}`);
  }
}

/** The live object, or undefined when there is none. */
export async function readObject(kube: KubeConnection, ref: ObjectRef): Promise<KubernetesObject | undefined> {
  try {
    return await kube.objects.read(specOf(ref) as KubernetesObject & { metadata: { name: string } });
  } catch (error) {
    const failure = toKubeError(error, `read of ${describeRef(ref)}`);
    if (failure.code === "not-found") return undefined;
    throw failure;
  }
}

/** Deletes in the background (dependents go through garbage collection); "gone" when it was already gone. */
export async function deleteObject(kube: KubeConnection, ref: ObjectRef, options: { dryRun: boolean }): Promise<"deleted" | "gone"> {
  try {
    await kube.objects.delete(specOf(ref), undefined, options.dryRun ? "All" : undefined, undefined, undefined, "Background");
    return "deleted";
  } catch (error) {
    const failure = toKubeError(error, `delete of ${describeRef(ref)}`);
    if (failure.code === "not-found") return "gone";
    throw failure;
  }
}

/** Objects of one kind in a namespace matching a label selector. */
export async function listObjects(kube: KubeConnection, options: { apiVersion: string; kind: string; namespace: string; labelSelector: string }): Promise<KubernetesObject[]> {
  try {
    const list = await kube.objects.list(options.apiVersion, options.kind, options.namespace, undefined, undefined, undefined, undefined, options.labelSelector);
    return list.items;
  } catch (error) {
    throw toKubeError(error, `list of ${options.kind} in ${options.namespace} (${options.labelSelector})`);
  }
}

/**
 * Looks up each group version's resources once, before requests go out several at a time (concurrent first
 * uses would each ask). A failure here is left for the object's own request to report.
 */
export async function warmDiscovery(kube: KubeConnection, manifests: readonly { apiVersion: string; kind: string }[]): Promise<void> {
  const seen = new Set<string>();
  for (const { apiVersion, kind } of manifests) {
    if (seen.has(apiVersion)) continue;
    seen.add(apiVersion);
    // resource() is protected in client-node's types; it is the cache its own calls (and sendManifest) use.
    const objects = kube.objects as unknown as { resource(apiVersion: string, kind: string): Promise<unknown> };
    await objects.resource(apiVersion, kind).catch(() => undefined);
  }
}
