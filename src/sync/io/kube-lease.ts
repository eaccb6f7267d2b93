import type { KubeConnection } from "./kube-connection.js";
import { toKubeError } from "./kube-error.js";
import { kubeRequest } from "./kube-request.js";

/** A coordination.k8s.io/v1 Lease, as much of it as Bender writes and reads. */
export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: { holderIdentity?: string | undefined; leaseDurationSeconds?: number; acquireTime?: string | undefined; renewTime?: string | undefined; leaseTransitions?: number };
}

/** A Lease's MicroTime: RFC 3339 with six fractional digits, as the API server requires. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/u, "000Z");
}

function leasePath(namespace: string, name?: string): string {
  return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases${name === undefined ? "" : `/${encodeURIComponent(name)}`}`;
}

const readLease = (kube: KubeConnection, namespace: string, name: string) => kubeRequest<Lease>(kube, { method: "GET", path: leasePath(namespace, name) });
const createLease = (kube: KubeConnection, namespace: string, body: Lease) => kubeRequest<Lease>(kube, { method: "POST", path: leasePath(namespace), body });
const replaceLease = (kube: KubeConnection, namespace: string, name: string, body: Lease) => kubeRequest<Lease>(kube, { method: "PUT", path: leasePath(namespace, name), body });

export interface LeaseOptions {
  readonly namespace: string;
  readonly name: string;
  /** Who holds it: unique per process (pod name and a random part). */
  readonly holder: string;
  readonly durationSeconds: number;
  readonly clock?: () => number;
}

type Taken = { readonly taken: true; readonly lease: Lease } | { readonly taken: false };

function leaseBody(options: LeaseOptions, now: number, previous?: Lease): Lease {
  const transitions = previous?.spec?.leaseTransitions ?? 0;
  const changesHands = previous !== undefined && previous.spec?.holderIdentity !== options.holder;
  return {
    apiVersion: "coordination.k8s.io/v1", kind: "Lease",
    metadata: { name: options.name, namespace: options.namespace, ...(previous?.metadata?.resourceVersion ? { resourceVersion: previous.metadata.resourceVersion } : {}) },
    spec: {
      holderIdentity: options.holder, leaseDurationSeconds: options.durationSeconds,
      acquireTime: changesHands || !previous ? microTime(now) : previous.spec?.acquireTime ?? microTime(now),
      renewTime: microTime(now), leaseTransitions: changesHands ? transitions + 1 : transitions,
    },
  };
}

/** Takes the Lease when it is free, expired or already ours; a lost compare-and-swap means somebody else has it. */
async function takeLease(kube: KubeConnection, options: LeaseOptions, now: number): Promise<Taken> {
  const { namespace, name } = options;
  let current: Lease | undefined;
  try {
    current = await readLease(kube, namespace, name);
  } catch (error) {
    const failure = toKubeError(error, `read of Lease ${namespace}/${name}`);
    if (failure.code !== "not-found") throw failure;
  }
  try {
    if (!current) return { taken: true, lease: await createLease(kube, namespace, leaseBody(options, now)) };
    const holder = current.spec?.holderIdentity;
    const renewed = current.spec?.renewTime ? new Date(current.spec.renewTime).getTime() : 0;
    const expired = renewed + (current.spec?.leaseDurationSeconds ?? 0) * 1000 <= now;
    if (holder && holder !== options.holder && !expired) return { taken: false };
    return { taken: true, lease: await replaceLease(kube, namespace, name, leaseBody(options, now, current)) };
  } catch (error) {
    const failure = toKubeError(error, `take of Lease ${namespace}/${name}`);
    if (failure.code === "conflict" || failure.code === "already-exists") return { taken: false };
    throw failure;
  }
}

/**
 * Runs `work` holding the Lease (coordination.k8s.io/v1), renewed every third of its duration and released
 * after; "held-elsewhere" when another run holds it. Every write is a compare-and-swap on resourceVersion,
 * so of two runs racing for it exactly one wins.
 */
export async function withSyncLease<T>(kube: KubeConnection, options: LeaseOptions, work: () => Promise<T>): Promise<T | "held-elsewhere"> {
  const clock = options.clock ?? Date.now;
  const taken = await takeLease(kube, options, clock());
  if (!taken.taken) return "held-elsewhere";
  let lease = taken.lease;
  let renewing = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewing.then(async () => {
      lease = await replaceLease(kube, options.namespace, options.name, leaseBody(options, clock(), lease));
    }).catch(() => undefined); // a lost renewal shows at release; the run's own writes are idempotent
  }, Math.max(1000, (options.durationSeconds * 1000) / 3));
  try {
    return await work();
  } finally {
    clearInterval(timer);
    await renewing;
    const released = leaseBody(options, clock(), lease);
    released.spec = { ...released.spec, holderIdentity: undefined, renewTime: undefined };
    await replaceLease(kube, options.namespace, options.name, released).catch(() => undefined);
  }
}
