import { isDeepStrictEqual } from "node:util";

/**
 * A simplified model of server-side apply's field ownership. Simplified on purpose: a field is a leaf path
 * (maps are walked, lists and scalars are atomic leaves), where the real server also knows list keys
 * (`k:{"name":...}`) and sets. What kubectl and Bender observe is kept: each manager owns the fields it last
 * applied; applying a different value to a field another manager owns is a conflict unless forced (the field
 * then changes owner); a field a manager stops applying is removed when nobody else owns it; an apply that
 * changes nothing leaves the object (and its resourceVersion) as it was.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Ownership {
  readonly manager: string;
  readonly operation: "Apply" | "Update";
  readonly apiVersion: string;
  readonly time: string;
  readonly paths: ReadonlySet<string>; // JSON-encoded arrays of keys
}

export interface FieldConflict {
  readonly manager: string;
  readonly field: string; // ".data.key"
}

/** Fields the server owns itself: never part of anybody's managed fields. */
function isServerField(path: readonly string[], statusIsSubresource: boolean): boolean {
  const [top, second] = path;
  if (top === "apiVersion" || top === "kind") return true;
  if (top === "status" && statusIsSubresource) return true;
  return top === "metadata" && ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "deletionTimestamp"].includes(second ?? "");
}

export function leafPaths(object: JsonObject, statusIsSubresource: boolean): Map<string, Json> {
  const leaves = new Map<string, Json>();
  const walk = (value: Json, path: string[]) => {
    if (path.length > 0 && isServerField(path, statusIsSubresource)) return;
    if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) walk(child, [...path, key]);
      return;
    }
    if (path.length > 0) leaves.set(JSON.stringify(path), value);
  };
  walk(object, []);
  return leaves;
}

export function getPath(object: JsonObject, path: readonly string[]): Json | undefined {
  let node: Json | undefined = object;
  for (const key of path) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    node = node[key];
  }
  return node;
}

function setPath(object: JsonObject, path: readonly string[], value: Json): void {
  let node = object;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== "object" || Array.isArray(next)) node[key] = {};
    node = node[key] as JsonObject;
  }
  node[path[path.length - 1]!] = structuredClone(value);
}

function removePath(object: JsonObject, path: readonly string[]): void {
  const parents: JsonObject[] = [object];
  for (const key of path.slice(0, -1)) {
    const next = parents[parents.length - 1]![key];
    if (next === null || typeof next !== "object" || Array.isArray(next)) return;
    parents.push(next);
  }
  delete parents[parents.length - 1]![path[path.length - 1]!];
  // Drop maps left empty by the removal, as the real merge does.
  for (let depth = parents.length - 1; depth > 0; depth -= 1) {
    if (Object.keys(parents[depth]!).length > 0) break;
    delete parents[depth - 1]![path[depth - 1]!];
  }
}

export function describeField(pathKey: string): string {
  return (JSON.parse(pathKey) as string[]).map((key) => `.${key}`).join("");
}

export interface ApplyOutcome {
  readonly object: JsonObject;
  readonly owners: Ownership[];
  readonly conflicts: FieldConflict[];
}

/** Server-side apply of `applied` by `manager` onto `live` (undefined when the object is new). */
export function applyFields(options: {
  live: JsonObject | undefined; owners: readonly Ownership[]; applied: JsonObject; manager: string; force: boolean;
  statusIsSubresource: boolean; time: string;
}): ApplyOutcome {
  const { live, applied, manager, force, statusIsSubresource, time } = options;
  const object: JsonObject = structuredClone(live ?? {});
  const appliedLeaves = leafPaths(applied, statusIsSubresource);
  const conflicts: FieldConflict[] = [];
  let owners = options.owners.map((owner) => ({ ...owner, paths: new Set(owner.paths) }));
  for (const [pathKey, value] of appliedLeaves) {
    const current = getPath(object, JSON.parse(pathKey) as string[]);
    for (const owner of owners) {
      if (owner.manager === manager || !owner.paths.has(pathKey) || isDeepStrictEqual(current, value)) continue;
      if (force) owner.paths.delete(pathKey);
      else conflicts.push({ manager: owner.manager, field: describeField(pathKey) });
    }
  }
  if (conflicts.length > 0) return { object: structuredClone(live ?? {}), owners: [...options.owners], conflicts };
  const previous = owners.find((owner) => owner.manager === manager && owner.operation === "Apply");
  for (const pathKey of previous?.paths ?? []) {
    if (appliedLeaves.has(pathKey)) continue;
    if (owners.some((owner) => owner !== previous && owner.paths.has(pathKey))) continue;
    removePath(object, JSON.parse(pathKey) as string[]);
  }
  for (const [pathKey, value] of appliedLeaves) setPath(object, JSON.parse(pathKey) as string[], value);
  const unchanged = live !== undefined && isDeepStrictEqual(object, live) && previous !== undefined
    && isDeepStrictEqual([...previous.paths].sort(), [...appliedLeaves.keys()].sort());
  if (unchanged) return { object, owners: [...options.owners], conflicts };
  owners = owners.filter((owner) => owner !== previous && owner.paths.size > 0);
  const apiVersion = String(applied.apiVersion);
  // A manager left with no fields disappears from managedFields, as on the real server.
  if (appliedLeaves.size > 0) owners.push({ manager, operation: "Apply", apiVersion, time, paths: new Set(appliedLeaves.keys()) });
  return { object, owners, conflicts };
}

/** A create or replace: the writer owns every field it changed or added; fields that disappeared lose their owners. */
export function updateFields(options: {
  live: JsonObject | undefined; owners: readonly Ownership[]; next: JsonObject; manager: string; statusIsSubresource: boolean; time: string;
}): Ownership[] {
  const before = options.live ? leafPaths(options.live, options.statusIsSubresource) : new Map<string, Json>();
  const after = leafPaths(options.next, options.statusIsSubresource);
  const changed = new Set([...after].filter(([key, value]) => !isDeepStrictEqual(before.get(key), value)).map(([key]) => key));
  const owners = options.owners.map((owner) => ({
    ...owner,
    paths: new Set([...owner.paths].filter((key) => after.has(key) && !changed.has(key))),
  }));
  if (changed.size === 0) return owners.filter((owner) => owner.paths.size > 0);
  const mine = owners.find((owner) => owner.manager === options.manager && owner.operation === "Update");
  const paths = new Set([...(mine?.paths ?? []), ...changed]);
  const apiVersion = String(options.next.apiVersion);
  return [...owners.filter((owner) => owner !== mine && owner.paths.size > 0),
    { manager: options.manager, operation: "Update", apiVersion, time: options.time, paths }];
}

/** metadata.managedFields as the API shows it (FieldsV1: nested `f:<key>` maps). */
export function renderManagedFields(owners: readonly Ownership[]): Json[] {
  return owners.map((owner) => {
    const fields: JsonObject = {};
    for (const pathKey of owner.paths) {
      let node = fields;
      for (const key of JSON.parse(pathKey) as string[]) {
        node[`f:${key}`] ??= {};
        node = node[`f:${key}`] as JsonObject;
      }
    }
    return { manager: owner.manager, operation: owner.operation, apiVersion: owner.apiVersion, time: owner.time, fieldsType: "FieldsV1", fieldsV1: fields };
  });
}
