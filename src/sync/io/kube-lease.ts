import { V1MicroTime, type V1Lease } from "@kubernetes/client-node";
import type { KubeConnection } from "./kube-connection.js";
import { toKubeError } from "./kube-error.js";

export interface LeaseOptions {
  readonly namespace: string;
  readonly name: string;
  /** Who holds it: unique per process (pod name and a random part). */
  readonly holder: string;
  readonly durationSeconds: number;
  readonly clock?: () => number;
}

type Taken = { readonly taken: true; readonly lease: V1Lease } | { readonly taken: false };

function leaseBody(options: LeaseOptions, now: number, previous?: V1Lease): V1Lease {
  const transitions = previous?.spec?.leaseTransitions ?? 0;
  const changesHands = previous !== undefined && previous.spec?.holderIdentity !== options.holder;
  return {
    apiVersion: "coordination.k8s.io/v1", kind: "Lease",
    metadata: { name: options.name, namespace: options.namespace, ...(previous?.metadata?.resourceVersion ? { resourceVersion: previous.metadata.resourceVersion } : {}) },
    spec: {
      holderIdentity: options.holder, leaseDurationSeconds: options.durationSeconds,
      acquireTime: changesHands || !previous ? new V1MicroTime(now) : previous.spec?.acquireTime ?? new V1MicroTime(now),
      renewTime: new V1MicroTime(now), leaseTransitions: changesHands ? transitions + 1 : transitions,
    },
  };
}

/** Takes the Lease when it is free, expired or already ours; a lost compare-and-swap means somebody else has it. */
async function takeLease(kube: KubeConnection, options: LeaseOptions, now: number): Promise<Taken> {
  const { namespace, name } = options;
  let current: V1Lease | undefined;
  try {
    current = await kube.leases.readNamespacedLease({ name, namespace });
  } catch (error) {
    const failure = toKubeError(error, `read of Lease ${namespace}/${name}`);
    if (failure.code !== "not-found") throw failure;
  }
  try {
    if (!current) return { taken: true, lease: await kube.leases.createNamespacedLease({ namespace, body: leaseBody(options, now) }) };
    const holder = current.spec?.holderIdentity;
    const renewed = current.spec?.renewTime ? new Date(current.spec.renewTime).getTime() : 0;
    const expired = renewed + (current.spec?.leaseDurationSeconds ?? 0) * 1000 <= now;
    if (holder && holder !== options.holder && !expired) return { taken: false };
    return { taken: true, lease: await kube.leases.replaceNamespacedLease({ name, namespace, body: leaseBody(options, now, current) }) };
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
      lease = await kube.leases.replaceNamespacedLease({ name: options.name, namespace: options.namespace, body: leaseBody(options, clock(), lease) });
    }).catch(() => undefined); // a lost renewal shows at release; the run's own writes are idempotent
  }, Math.max(1000, (options.durationSeconds * 1000) / 3));
  try {
    return await work();
  } finally {
    clearInterval(timer);
    await renewing;
    const released = leaseBody(options, clock(), lease);
    released.spec = { ...released.spec, holderIdentity: undefined, renewTime: undefined };
    await kube.leases.replaceNamespacedLease({ name: options.name, namespace: options.namespace, body: released }).catch(() => undefined);
  }
}
