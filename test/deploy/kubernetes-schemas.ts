import * as k8s from "@kubernetes/client-node";

/** One problem with one object: where, and what. */
export interface SchemaProblem {
  readonly object: string;
  readonly problem: string;
}

type ModelClass = { validate?: () => void } & object;
type ModelModule = Record<string, new (data: unknown) => ModelClass>;
type TypedModel = { getAttributeTypeMap(): { baseName: string; type: string }[] };

/**
 * Validates an object against Kubernetes' published schema as the
 * kubernetes-models package compiles it (types, required fields, enums), and
 * rejects fields the API does not have (which the API server would drop or
 * refuse, and kubernetes-models lets through), by walking
 * @kubernetes/client-node's generated model of the same type.
 */
export async function schemaProblems(object: Record<string, unknown>): Promise<SchemaProblem[]> {
  const apiVersion = String(object.apiVersion);
  const kind = String(object.kind);
  const name = `${kind}/${String((object.metadata as { name?: unknown } | undefined)?.name)}`;
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const problems: SchemaProblem[] = [];

  const module = (await import(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`).catch(() => undefined)) as ModelModule | undefined;
  const Model = module?.[kind];
  if (!Model) return [{ object: name, problem: `no Kubernetes schema for ${apiVersion} ${kind}` }];
  try {
    new Model(object).validate?.();
  } catch (error) {
    problems.push({ object: name, problem: (error as Error).message });
  }

  const typeName = `${(version ?? "").charAt(0).toUpperCase()}${(version ?? "").slice(1)}${kind}`;
  for (const field of unknownFields(object, typeName, "")) problems.push({ object: name, problem: `unknown field ${field}` });
  return problems;
}

/** Paths of the fields of `value` that model `type` does not have. */
export function unknownFields(value: unknown, type: string, path: string): string[] {
  const array = /^Array<(?<item>.+)>$/.exec(type)?.groups?.item;
  if (array !== undefined) return Array.isArray(value) ? value.flatMap((item, index) => unknownFields(item, array, `${path}[${index}]`)) : [];
  const map = /^\{ \[key: string\]: (?<item>.+); \}$/.exec(type)?.groups?.item;
  if (map !== undefined) {
    return typeof value === "object" && value !== null ? Object.entries(value).flatMap(([key, item]) => unknownFields(item, map, `${path}.${key}`)) : [];
  }
  const model = (k8s as unknown as Record<string, TypedModel | undefined>)[type];
  if (typeof model?.getAttributeTypeMap !== "function" || typeof value !== "object" || value === null || Array.isArray(value)) return [];
  const attributes = new Map(model.getAttributeTypeMap().map((attribute) => [attribute.baseName, attribute.type]));
  const out: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const itemType = attributes.get(key);
    if (itemType === undefined) out.push(`${path}.${key}`.replace(/^\./, ""));
    else out.push(...unknownFields(item, itemType, `${path}.${key}`));
  }
  return out;
}
