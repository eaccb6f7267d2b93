import { createHash } from "node:crypto";
import type { SyncState } from "../cluster-types.js";
import { decodeSyncState, encodeSyncState, STATE_PART_CHARACTERS } from "../state-codec.js";
import type { KubeConnection } from "./kube-connection.js";
import { KubeError, toKubeError } from "./kube-error.js";
import { applyObject, deleteObject, listObjects } from "./kube-objects.js";
import { kubeRequest } from "./kube-request.js";

const STATE_LABEL = "bender.dev/state";
const WRITE_LABEL = "bender.dev/state-write";
const PARTS_ANNOTATION = "bender.dev/state-parts";

interface StoredConfigMap { metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> }; binaryData?: Record<string, string> }

/** A ConfigMap by its known path (no discovery request), or undefined when there is none. */
async function readConfigMap(kube: KubeConnection, namespace: string, name: string): Promise<StoredConfigMap | undefined> {
  try {
    return await kubeRequest<StoredConfigMap>(kube, { method: "GET", path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}` });
  } catch (error) {
    const failure = toKubeError(error, `read of ConfigMap ${namespace}/${name}`);
    if (failure.code === "not-found") return undefined;
    throw failure;
  }
}

function configMapRef(namespace: string, name: string) {
  return { apiVersion: "v1", kind: "ConfigMap", namespace, name };
}

function partName(stateName: string, writeId: string, index: number): string {
  return `${stateName}-${writeId}-${index}`;
}

/**
 * Reads the state the last successful run recorded: the main ConfigMap `stateName` holds the first part of the
 * gzipped, base64 state and names the write its other parts belong to. Undefined when there is none (a first run).
 */
export async function readSyncState(kube: KubeConnection, namespace: string, stateName: string): Promise<SyncState | undefined> {
  const main = await readConfigMap(kube, namespace, stateName);
  if (!main) return undefined;
  const count = Number(main.metadata?.annotations?.[PARTS_ANNOTATION] ?? "1");
  const writeId = main.metadata?.labels?.[WRITE_LABEL] ?? "";
  const parts = [main.binaryData?.state ?? ""];
  for (let index = 1; index < count; index += 1) {
    const part = await readConfigMap(kube, namespace, partName(stateName, writeId, index));
    if (!part?.binaryData?.state) throw new KubeError("invalid", `the recorded sync state ${namespace}/${stateName} misses its part ${index} of ${count}; delete ConfigMap ${stateName} in ${namespace} to start over with a full run`);
    parts.push(part.binaryData.state);
  }
  const decoded = decodeSyncState(parts);
  if (!decoded.ok) throw new KubeError("invalid", `${decoded.reason} (ConfigMap ${namespace}/${stateName}); delete it to start over with a full run`);
  return decoded.state;
}

/**
 * Records the state of a successful run. The extra parts go first, each named after this write; the main
 * ConfigMap, written last, switches to them in one step (a crash before it leaves the previous state whole);
 * parts of earlier writes are deleted after.
 */
export async function writeSyncState(kube: KubeConnection, namespace: string, stateName: string, state: SyncState, options: { partCharacters?: number } = {}): Promise<void> {
  const parts = encodeSyncState(state, options.partCharacters ?? STATE_PART_CHARACTERS);
  const writeId = createHash("sha256").update(parts.join("")).digest("hex").slice(0, 12);
  const labels = { "app.kubernetes.io/managed-by": "bender", [STATE_LABEL]: stateName, [WRITE_LABEL]: writeId };
  const configMap = (name: string, part: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, labels, ...extra }, binaryData: { state: part },
  });
  for (const [index, part] of parts.entries()) {
    if (index > 0) await applyObject(kube, configMap(partName(stateName, writeId, index), part), { dryRun: false, force: true });
  }
  await applyObject(kube, {
    ...configMap(stateName, parts[0]!, { annotations: { [PARTS_ANNOTATION]: String(parts.length) } }),
    data: { commit: state.commit, appliedAt: state.appliedAt, objects: String(state.inventory.length), ...(state.result ? { result: state.result } : {}) },
  }, { dryRun: false, force: true });
  const stale = await listObjects(kube, { apiVersion: "v1", kind: "ConfigMap", namespace, labelSelector: `${STATE_LABEL}=${stateName},${WRITE_LABEL}!=${writeId}` });
  for (const object of stale) {
    const name = object.metadata?.name;
    if (name && name !== stateName) await deleteObject(kube, configMapRef(namespace, name), { dryRun: false });
  }
}
