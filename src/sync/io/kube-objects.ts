import type { ObjectRef } from "../cluster-types.js";
import { describeRef, refOf } from "../object-ref.js";
import type { KubeConnection } from "./kube-connection.js";
import { objectPath, resourceOf } from "./kube-discovery.js";
import { toKubeError } from "./kube-error.js";
import { kubeRequest } from "./kube-request.js";

/** An object as the API server returns it: what Bender reads of one. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Server-side apply's content type. */
const APPLY_PATCH = "application/apply-patch+yaml";

/** Server-side apply under Bender's field manager, the manifest sent as rendered; a dry run (dryRun=All) changes nothing. */
export async function applyObject(kube: KubeConnection, manifest: Record<string, unknown>, options: { dryRun: boolean; force: boolean }): Promise<KubeObject> {
  const prepared = await prepareApply(kube, manifest, options);
  try {
    return await kubeRequest<KubeObject>(kube, { method: "PATCH", path: prepared.path, json: prepared.json, contentType: APPLY_PATCH, query: applyQuery(kube, options) });
  } catch (error) {
    throw toKubeError(error, applyWhat(prepared.ref, options.dryRun));
  }
}

function applyQuery(kube: KubeConnection, options: { dryRun: boolean; force: boolean }): Record<string, string | undefined> {
  return { dryRun: options.dryRun ? "All" : undefined, fieldManager: kube.fieldManager, force: options.force ? "true" : undefined };
}

function applyWhat(ref: ObjectRef, dryRun: boolean): string {
  return `${dryRun ? "dry-run of " : ""}apply of ${describeRef(ref)}`;
}

/** An object prepared once for its dry-run and its apply: its path (after discovery) and its body, serialised once. */
export interface PreparedApply {
  readonly ref: ObjectRef;
  readonly path: string;
  readonly json: string;
}

/** The path and serialised body of `manifest`'s apply; a kind discovery does not know fails here, as its apply would. */
export async function prepareApply(kube: KubeConnection, manifest: Record<string, unknown>, options: { dryRun: boolean }): Promise<PreparedApply> {
  const ref = refOf(manifest as Parameters<typeof refOf>[0]);
  try {
    return { ref, path: await objectPath(kube, ref), json: JSON.stringify(manifest) };
  } catch (error) {
    throw toKubeError(error, applyWhat(ref, options.dryRun));
  }
}

/**
 * applyObject for a run's thousands of objects: the prepared body is sent as is and the answer (the whole object,
 * managed fields included) is not read, only whether it succeeded; a failure is the same KubeError.
 */
export async function sendApply(kube: KubeConnection, prepared: PreparedApply, options: { dryRun: boolean; force: boolean }): Promise<void> {
  try {
    await kubeRequest(kube, { method: "PATCH", path: prepared.path, json: prepared.json, contentType: APPLY_PATCH, discardAnswer: true, query: applyQuery(kube, options) });
  } catch (error) {
    throw toKubeError(error, applyWhat(prepared.ref, options.dryRun));
  }
}

/** The live object, or undefined when there is none. */
export async function readObject(kube: KubeConnection, ref: ObjectRef): Promise<KubeObject | undefined> {
  try {
    return await kubeRequest<KubeObject>(kube, { method: "GET", path: await objectPath(kube, ref) });
  } catch (error) {
    const failure = toKubeError(error, `read of ${describeRef(ref)}`);
    if (failure.code === "not-found") return undefined;
    throw failure;
  }
}

/** Deletes in the background (dependents go through garbage collection); "gone" when it was already gone. */
export async function deleteObject(kube: KubeConnection, ref: ObjectRef, options: { dryRun: boolean }): Promise<"deleted" | "gone"> {
  try {
    await kubeRequest(kube, { method: "DELETE", path: await objectPath(kube, ref), query: { dryRun: options.dryRun ? "All" : undefined, propagationPolicy: "Background" } });
    return "deleted";
  } catch (error) {
    const failure = toKubeError(error, `delete of ${describeRef(ref)}`);
    if (failure.code === "not-found") return "gone";
    throw failure;
  }
}

/** Objects of one kind in a namespace matching a label selector. */
export async function listObjects(kube: KubeConnection, options: { apiVersion: string; kind: string; namespace: string; labelSelector: string }): Promise<KubeObject[]> {
  try {
    const path = await objectPath(kube, { apiVersion: options.apiVersion, kind: options.kind, namespace: options.namespace });
    const list = await kubeRequest<{ items?: KubeObject[] }>(kube, { method: "GET", path, query: { labelSelector: options.labelSelector } });
    return list.items ?? [];
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
    await resourceOf(kube, apiVersion, kind).catch(() => undefined);
  }
}
