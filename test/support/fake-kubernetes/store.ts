import { isDeepStrictEqual } from "node:util";
import { applyFields, renderManagedFields, updateFields, type Json, type JsonObject, type Ownership } from "./managed-fields.js";
import { groupVersion, type ResourceType } from "./resources.js";

/** An error the fake answers as a Kubernetes Status object. */
export class StatusError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details: JsonObject = {}) {
    super(message);
  }
}

interface Stored { object: JsonObject; owners: Ownership[] }

export interface WriteRequest {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly dryRun: boolean;
  readonly manager: string;
  readonly time: string;
}

const NAME = /^[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?$/u;
const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

function qualified(type: ResourceType): string {
  return type.group === "" ? type.plural : `${type.plural}.${type.group}`;
}

export function notFound(type: ResourceType, name: string): StatusError {
  return new StatusError(404, "NotFound", `${qualified(type)} "${name}" not found`, { name, group: type.group, kind: type.plural });
}

/** Objects by resource, namespace and name, with resourceVersion, generation and field ownership. */
export class ObjectStore {
  private readonly objects = new Map<string, Stored>();
  private revision = 1;
  private uids = 0;
  /** Reads of a workload (or CRD) before its rollout completes (or it is Established); `Infinity` stalls it. */
  readonly settleAfterReads = new Map<string, number>();
  defaultSettleReads = 1;

  key(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${type.group}/${type.plural}/${namespace ?? ""}/${name}`;
  }

  get currentRevision(): string {
    return String(this.revision);
  }

  read(type: ResourceType, namespace: string | undefined, name: string): JsonObject | undefined {
    const key = this.key(type, namespace, name);
    const stored = this.objects.get(key);
    if (!stored) return undefined;
    const remaining = this.settleAfterReads.get(key);
    if (remaining !== undefined) {
      if (remaining <= 1) {
        this.settleAfterReads.delete(key);
        this.settle(type, stored.object);
      } else this.settleAfterReads.set(key, remaining - 1);
    }
    return this.render(stored);
  }

  list(type: ResourceType, namespace: string | undefined): JsonObject[] {
    const prefix = `${type.group}/${type.plural}/${namespace ?? ""}`;
    return [...this.objects].filter(([key]) => (namespace === undefined ? key.startsWith(`${type.group}/${type.plural}/`) : key.startsWith(`${prefix}/`)))
      .map(([, stored]) => this.render(stored));
  }

  /** Server-side apply; returns the object and whether it was created. */
  apply(request: WriteRequest, body: JsonObject, force: boolean): { object: JsonObject; created: boolean } {
    const key = this.key(request.type, request.namespace, request.name);
    const stored = this.objects.get(key);
    const outcome = applyFields({
      live: stored?.object, owners: stored?.owners ?? [], applied: body, manager: request.manager, force,
      statusIsSubresource: request.type.statusSubresource, time: request.time,
    });
    if (outcome.conflicts.length > 0) {
      const lines = outcome.conflicts.map((conflict) => `conflict with "${conflict.manager}" using ${groupVersion(request.type)}: ${conflict.field}`);
      const causes = outcome.conflicts.map((conflict) => ({ type: "FieldManagerConflict", message: `conflict with "${conflict.manager}" using ${groupVersion(request.type)}`, field: conflict.field }));
      throw new StatusError(409, "Conflict", `Apply failed with ${lines.length} conflict${lines.length === 1 ? "" : "s"}: ${lines.join("\n")}`, { causes });
    }
    const next = outcome.object;
    Object.assign(next, { apiVersion: body.apiVersion, kind: body.kind });
    const metadata = (next.metadata ??= {}) as JsonObject;
    metadata.name = request.name;
    if (request.namespace !== undefined) metadata.namespace = request.namespace;
    return { object: this.commit(request, stored, next, outcome.owners), created: stored === undefined };
  }

  create(request: WriteRequest, body: JsonObject): JsonObject {
    if (this.objects.has(this.key(request.type, request.namespace, request.name))) {
      throw new StatusError(409, "AlreadyExists", `${qualified(request.type)} "${request.name}" already exists`, { name: request.name, group: request.type.group, kind: request.type.plural });
    }
    const next = structuredClone(body);
    const owners = updateFields({ live: undefined, owners: [], next, manager: request.manager, statusIsSubresource: request.type.statusSubresource, time: request.time });
    return this.commit(request, undefined, next, owners);
  }

  replace(request: WriteRequest, body: JsonObject): JsonObject {
    const stored = this.objects.get(this.key(request.type, request.namespace, request.name));
    if (!stored) throw notFound(request.type, request.name);
    const expected = (body.metadata as JsonObject | undefined)?.resourceVersion;
    if (expected !== undefined && expected !== (stored.object.metadata as JsonObject).resourceVersion) {
      throw new StatusError(409, "Conflict", `Operation cannot be fulfilled on ${qualified(request.type)} "${request.name}": the object has been modified; please apply your changes to the latest version and try again`, { name: request.name, group: request.type.group, kind: request.type.plural });
    }
    const next = structuredClone(body);
    if (request.type.statusSubresource) next.status = stored.object.status ?? null;
    if (next.status === null) delete next.status;
    const owners = updateFields({ live: stored.object, owners: stored.owners, next, manager: request.manager, statusIsSubresource: request.type.statusSubresource, time: request.time });
    return this.commit(request, stored, next, owners);
  }

  remove(type: ResourceType, namespace: string | undefined, name: string, dryRun: boolean): JsonObject {
    const key = this.key(type, namespace, name);
    const stored = this.objects.get(key);
    if (!stored) throw notFound(type, name);
    const object = this.render(stored);
    if (dryRun) return object;
    this.objects.delete(key);
    this.settleAfterReads.delete(key);
    if (type.kind === "Namespace") {
      for (const other of [...this.objects.keys()]) if (other.split("/")[2] === name) this.objects.delete(other);
    }
    this.revision += 1;
    return object;
  }

  private commit(request: WriteRequest, stored: Stored | undefined, next: JsonObject, owners: Ownership[]): JsonObject {
    const previous = stored?.object;
    const metadata = (next.metadata ??= {}) as JsonObject;
    for (const field of ["uid", "creationTimestamp", "resourceVersion", "generation"]) {
      if (previous) metadata[field] = (previous.metadata as JsonObject)[field] ?? null;
      else delete metadata[field];
    }
    delete metadata.managedFields;
    if (request.type.statusSubresource) {
      if (previous?.status !== undefined) next.status = previous.status;
      else delete next.status;
    }
    if (!NAME.test(request.name) || request.name.length > 253) {
      throw new StatusError(422, "Invalid", `${request.type.kind} "${request.name}" is invalid: metadata.name: Invalid value: "${request.name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`, {
        name: request.name, group: request.type.group, kind: request.type.kind, causes: [{ reason: "FieldValueInvalid", field: "metadata.name" }],
      });
    }
    const replicas = (next.spec as JsonObject | undefined)?.replicas;
    if (WORKLOADS.has(request.type.kind) && typeof replicas === "number" && replicas < 0) {
      throw new StatusError(422, "Invalid", `${request.type.kind}.apps "${request.name}" is invalid: spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`, {
        name: request.name, group: request.type.group, kind: request.type.kind, causes: [{ reason: "FieldValueInvalid", field: "spec.replicas" }],
      });
    }
    if (request.type.kind === "ConfigMap" || request.type.kind === "Secret") {
      const size = Object.values((next.data ?? {}) as Record<string, string>).reduce((sum, value) => sum + Buffer.byteLength(value), 0)
        + Object.values((next.binaryData ?? {}) as Record<string, string>).reduce((sum, value) => sum + Buffer.from(value, "base64").length, 0);
      if (size > 1024 * 1024) {
        throw new StatusError(422, "Invalid", `${request.type.kind} "${request.name}" is invalid: []: Too long: must have at most 1048576 bytes`, { name: request.name, kind: request.type.kind });
      }
    }
    const unchanged = previous !== undefined && isDeepStrictEqual(next, previous) && isDeepStrictEqual(owners, stored?.owners);
    if (unchanged) return this.render(stored!);
    const specChanged = !isDeepStrictEqual(withoutMetaAndStatus(next), previous ? withoutMetaAndStatus(previous) : undefined);
    const generation = Number(metadata.generation ?? 0) + (specChanged ? 1 : 0);
    if (request.dryRun) {
      metadata.generation = generation;
      return this.render({ object: next, owners });
    }
    this.revision += 1;
    metadata.resourceVersion = String(this.revision);
    metadata.generation = generation;
    if (!previous) {
      this.uids += 1;
      metadata.uid = `00000000-0000-4000-8000-${String(this.uids).padStart(12, "0")}`;
      metadata.creationTimestamp = request.time;
    }
    const key = this.key(request.type, request.namespace, request.name);
    if (WORKLOADS.has(request.type.kind) || request.type.kind === "CustomResourceDefinition" || request.type.kind === "Namespace") {
      if (specChanged || !previous) this.settleAfterReads.set(key, this.settleAfterReads.get(key) ?? this.defaultSettleReads);
    }
    this.objects.set(key, { object: next, owners });
    if (this.settleAfterReads.get(key) === 0) this.read(request.type, request.namespace, request.name);
    return this.render({ object: next, owners });
  }

  /** The controllers' part: a workload rolls out, a CRD becomes Established, a Namespace becomes Active. */
  private settle(type: ResourceType, object: JsonObject): void {
    const generation = (object.metadata as JsonObject).generation ?? 1;
    if (WORKLOADS.has(type.kind)) {
      const replicas = ((object.spec as JsonObject | undefined)?.replicas as number | undefined) ?? 1;
      object.status = type.kind === "DaemonSet"
        ? { observedGeneration: generation, desiredNumberScheduled: 1, updatedNumberScheduled: 1, numberAvailable: 1, numberReady: 1 }
        : { observedGeneration: generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas };
    } else if (type.kind === "CustomResourceDefinition") {
      object.status = { conditions: [{ type: "Established", status: "True", reason: "InitialNamesAccepted" }] };
      this.onEstablished?.(object);
    } else if (type.kind === "Namespace") object.status = { phase: "Active" };
  }

  onEstablished?: (crd: JsonObject) => void;

  private render(stored: Stored): JsonObject {
    const object = structuredClone(stored.object);
    (object.metadata as JsonObject).managedFields = renderManagedFields(stored.owners) as Json;
    return object;
  }
}

function withoutMetaAndStatus(object: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([key]) => key !== "metadata" && key !== "status"));
}
