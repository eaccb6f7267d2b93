import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { syncRepository } from "../github/sync-github.js";
import { DEFAULT_BUDGETS } from "../sync/budgets.js";
import type { ClusterPort } from "../sync/cluster-port.js";
import { bindCluster } from "../sync/io/bind-cluster.js";
import { connectToCluster } from "../sync/io/kube-connection.js";
import { kubectlKustomize } from "../sync/io/kubectl-kustomize.js";
import { runSync } from "../sync/run-sync.js";
import type { SyncJob, SyncMemory, SyncWorld } from "../sync/run-sync.js";
import { exitCodeOf, renderSyncText } from "../sync/sync-result.js";
import type { SyncRunResult } from "../sync/sync-result.js";
import { EXIT_OK, InvalidInputError } from "./cli-error.js";
import type { CliContext } from "./main.js";
import { SYNC_FLAGS, SyncSettingsError, readSyncSettings } from "./sync-settings.js";
import type { SyncFlagValues, SyncSettings } from "./sync-settings.js";
import { parseOptions } from "./parse-options.js";

export const SYNC_USAGE = `Usage: bender sync --repository OWNER/NAME --path FOLDER --environment ENV --cluster NAME [options]

Applies a manifest repository's folders to this cluster: resolve the ref,
download the commit, render (plain YAML, kustomize), dry-run, server-side
apply, prune, record the state, report a GitHub deployment (docs/sync.md).
Every flag can also be set as BENDER_SYNC_<FLAG> (e.g. BENDER_SYNC_REPOSITORY).

  --repository OWNER/NAME   the manifest repository
  --ref REF                 branch, tag or sha to apply (default main)
  --path FOLDER             a folder of the repository to apply (repeatable)
  --environment ENV         the environment of .github/bender.yml this cluster serves
  --cluster NAME            this cluster's name (GitHub environment ENV/NAME)
  --namespace NS            where the state and the Lease live (default: the pod's namespace)
  --once                    run once and exit (default; for a CronJob)
  --watch [INTERVAL]        keep running, a run every INTERVAL (default 10s)
  --dry-run                 dry-run on the server and print what would be applied and pruned
  --prune                   delete what the previous run applied and the commit no longer has
  --wait                    wait for changed Deployments, StatefulSets, DaemonSets to roll out
  --timeout DURATION        how long --wait waits (default 5m)
  --full-every DURATION     re-apply everything this often, to correct drift (default 1h)
  --default-namespace NS    namespace for namespaced objects that name none
  --force                   take over fields other managers own (server-side apply force)
  --allow-mass-prune        allow pruning more than half of the previous objects
  --prune-protected-kinds   allow pruning Namespaces, PersistentVolumes, claims and CRDs
  --json                    print one JSON result object per run

GitHub: APP_ID with PRIVATE_KEY or PRIVATE_KEY_PATH (the GitHub App), or
GITHUB_TOKEN; GHE_HOST and GHE_PROTOCOL for GitHub Enterprise Server.
Kubernetes: the pod's service account in a cluster, KUBECONFIG outside one.
Exit status: 0 the cluster matches the commit, 1 the run failed, 2 bad settings.
`;

/**
 * How long after its deployment is created a run still working is reported as in progress. GitHub spaces writes
 * a second apart: a status sent sooner would hold the final one back; a quicker run reports only its outcome.
 */
const IN_PROGRESS_AFTER_MS = 2000;

const SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

function podNamespace(env: NodeJS.ProcessEnv): string | undefined {
  try {
    return readFileSync(env.BENDER_SYNC_SERVICE_ACCOUNT_NAMESPACE_FILE ?? SERVICE_ACCOUNT_NAMESPACE, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `--watch` takes an optional value: `--watch 30s` and `--watch=30s` set the interval, a bare `--watch` the default. */
function normaliseWatch(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? "";
    if (arg !== "--watch") {
      out.push(arg);
      continue;
    }
    const next = args[index + 1];
    if (next !== undefined && !next.startsWith("-")) {
      out.push(`--watch=${next}`);
      index++;
    } else out.push("--watch=10s");
  }
  return out;
}

/** How the cluster side is reached: tests pass a stand-in; by default the API server from KUBECONFIG or the pod's service account. */
export type ConnectCluster = (env: NodeJS.ProcessEnv) => Promise<ClusterPort>;

async function defaultConnectCluster(env: NodeJS.ProcessEnv): Promise<ClusterPort> {
  return bindCluster(connectToCluster(env));
}

/** `bender sync`: validate every setting (exit 2, nothing touched), then run once or keep watching. */
export async function syncCommand(
  args: readonly string[],
  context: CliContext,
  options: { env?: NodeJS.ProcessEnv; connectCluster?: ConnectCluster; signal?: AbortSignal; inProgressAfter?: (() => Promise<void>) | "at-once" } = {},
): Promise<number> {
  const env = options.env ?? process.env;
  const { values: flags }: { values: SyncFlagValues & { help?: boolean } } = parseOptions("sync", normaliseWatch(args), { ...SYNC_FLAGS, help: { type: "boolean", short: "h" } }, false);
  if (flags.help) {
    context.stdout.write(SYNC_USAGE);
    return EXIT_OK;
  }
  let settings: SyncSettings;
  try {
    settings = readSyncSettings(flags, env, podNamespace(env));
  } catch (error) {
    if (error instanceof SyncSettingsError) throw new InvalidInputError(error.message);
    throw error;
  }

  const job: SyncJob = { ...settings, budgets: DEFAULT_BUDGETS };
  const kubectl = env.KUBECTL || "kubectl";
  const world: SyncWorld = {
    connect: syncRepository({ ...settings, apiUrl: settings.githubApiUrl, budgets: DEFAULT_BUDGETS }),
    cluster: await (options.connectCluster ?? defaultConnectCluster)(env),
    kustomizer: (files) => kubectlKustomize(files, DEFAULT_BUDGETS, kubectl),
    now: Date.now,
    holder: `${hostname()}-${process.pid}`,
    ...(options.inProgressAfter === "at-once" ? {} : { inProgressAfter: options.inProgressAfter ?? (() => new Promise<void>((resolve) => setTimeout(resolve, IN_PROGRESS_AFTER_MS).unref())) }),
  };
  const print = (result: SyncRunResult) => context.stdout.write(settings.json ? `${JSON.stringify(result)}\n` : renderSyncText(result));
  const memory: SyncMemory = { state: undefined };

  if (settings.watchMs === undefined) {
    const result = await runSync(job, world, memory);
    print(result);
    return exitCodeOf(result);
  }
  return watch(settings.watchMs, () => runSync(job, world, memory).then(print), options.signal);
}

/** Runs until SIGTERM or SIGINT (or `signal`), one run every `intervalMs`; a run in progress finishes first. */
async function watch(intervalMs: number, run: () => Promise<unknown>, signal?: AbortSignal): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  signal?.addEventListener("abort", onSignal, { once: true });
  try {
    while (!stop.signal.aborted) {
      await run();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        stop.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
  return EXIT_OK;
}
