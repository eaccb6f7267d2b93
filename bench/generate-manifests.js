/**
 * Deterministic generator of a synthetic GitOps repository: Kubernetes
 * manifests under `clusters/<env>/<app>/`, kustomize bases under
 * `apps/base/<app>/`, Helm values under `charts/<app>/`, and platform bundles
 * (CRDs, dashboards, alert rules) under `platform/<env>/<component>/`.
 *
 * One image, {@link TARGET_REPOSITORY}, is referenced in about 1% of the files
 * (as a container image, an init container, a CronJob, a kustomize `images:`
 * entry or Helm values). Many other files hold near misses that share its last
 * path component or contain it as a substring (`ghcr.io/acme/api-worker`,
 * `docker.io/acme/api`, `ghcr.io/acme/legacy/api`, comments), so an engine that
 * screens by name still has to parse them.
 *
 * Usage: `node bench/generate-manifests.js [--out DIR] [--files N] [--seed S]`
 */
import { Buffer } from "node:buffer";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { Prng } from "./lib/prng.js";

/** The repository the bump scenario moves. */
export const TARGET_REPOSITORY = "ghcr.io/acme/api";
/** Bumped by hand whenever the output for a given seed changes, so cached trees are rebuilt. */
export const GENERATOR_VERSION = 1;

/**
 * @typedef {object} GenerateOptions
 * @property {string} [seed] PRNG seed; the same seed always yields the same tree
 * @property {number} [files] number of files to write (default 2,000)
 * @property {number} [targetShare] share of files that reference the target (default 0.01)
 * @property {readonly TargetForm[]} [targetForms] where the target may be placed
 */

/**
 * Where a reference to the target image sits in a file.
 * @typedef {"container" | "init-container" | "sidecar" | "cronjob" | "kustomize-images" | "helm-values"} TargetForm
 */

/**
 * @typedef {object} TargetFile
 * @property {string} file path relative to the tree root, with `/`
 * @property {number} references how many references to the target the file holds
 * @property {TargetForm[]} forms
 */

/**
 * @typedef {object} TreeSummary
 * @property {string} seed
 * @property {number} generatorVersion
 * @property {number} files
 * @property {number} documents
 * @property {number} bytes
 * @property {string} targetRepository
 * @property {TargetFile[]} targets files referencing the target, sorted by path
 * @property {number} nearMissFiles files mentioning a near miss of the target
 * @property {number} filesWithLastComponent files containing the target's last path component (`api`) anywhere
 * @property {Record<string, number>} filesByKind
 */

/** @type {readonly TargetForm[]} */
export const ALL_TARGET_FORMS = ["container", "init-container", "sidecar", "cronjob", "kustomize-images", "helm-values"];

const ENVS = ["dev", "staging", "prod-eu", "prod-us"];
const TEAMS = ["payments", "identity", "search", "growth", "platform", "data", "mobile", "ops"];
const NOUNS = [
  "billing", "checkout", "ledger", "invoice", "catalog", "pricing", "cart", "orders", "shipping", "inventory",
  "auth", "session", "profile", "accounts", "consent", "notify", "mailer", "sms", "push", "webhooks",
  "indexer", "crawler", "ranker", "suggest", "feeds", "reports", "metrics", "audit", "events", "stream",
  "ingest", "etl", "scheduler", "router", "edge", "cdn-purge", "thumbnails", "media", "uploads", "exports",
  "ratings", "reviews", "loyalty", "coupons", "referrals", "fraud", "risk", "kyc", "payouts", "tax",
];
const SUFFIXES = ["", "-svc", "-worker", "-backend", "-sync", "-engine", "-proxy", "-jobs"];
/** Apps whose images are near misses of the target. */
const NEAR_MISS_APPS = ["api-worker", "api-gateway", "apidocs", "public-api"];

const THIRD_PARTY_IMAGES = [
  "nginx:1.27.2", "docker.io/library/nginx:1.25.5-alpine", "redis:7.2.4", "docker.io/library/postgres:16.3",
  "busybox:1.36.1", "alpine:3.20.3", "bitnami/kafka:3.7.0", "quay.io/prometheus/node-exporter:v1.8.1",
  "registry.k8s.io/ingress-nginx/controller:v1.11.1", "gcr.io/cloudsql-docker/gce-proxy:1.35.4",
  "envoyproxy/envoy:v1.30.2", "fluent/fluent-bit:3.0.7", "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0",
  "ghcr.io/external-secrets/external-secrets:v0.9.20", "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0",
  "mcr.microsoft.com/dotnet/aspnet:8.0", "docker.elastic.co/beats/filebeat:8.14.3", "otel/opentelemetry-collector-contrib:0.104.0",
  "grafana/grafana:11.1.0", "quay.io/jetstack/cert-manager-controller:v1.15.1", "ghcr.io/fluxcd/kustomize-controller:v1.3.0",
  "registry.k8s.io/metrics-server/metrics-server:v0.7.1", "hashicorp/vault:1.17.2", "memcached:1.6.29",
];
const SIDECARS = [
  ["envoy", "envoyproxy/envoy:v1.30.2"], ["log-shipper", "fluent/fluent-bit:3.0.7"],
  ["oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0"], ["cloudsql-proxy", "gcr.io/cloudsql-docker/gce-proxy:1.35.4"],
  ["otel", "otel/opentelemetry-collector-contrib:0.104.0"],
];
/** Near misses placed in sidecars, init containers and comments of unrelated files. */
const NEAR_MISS_IMAGES = [
  "docker.io/acme/api:1.38.0", "ghcr.io/acme/legacy/api:0.9.12", "ghcr.io/acme/api/migrations:1.41.0",
  "ghcr.io/acme/api-worker:2.3.1", "quay.io/acme/api:1.40.2", "ghcr.io/beta-team/api:0.4.0",
];
const WORDS = [
  "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "timeout", "retry", "cache", "pool", "limit", "queue",
  "region", "shard", "replica", "token", "endpoint", "batch", "window", "buffer", "enabled", "threshold", "api",
  "client", "server", "upstream", "backoff", "jitter", "ttl", "max", "min", "size", "count", "interval", "path",
];

/**
 * @typedef {object} App
 * @property {string} name
 * @property {string} team
 * @property {string} image repository without tag
 * @property {"deployment" | "statefulset" | "cron-only"} workload
 * @property {boolean} cron
 * @property {boolean} rbac
 * @property {boolean} helm
 * @property {boolean} kustomizeImages overlays pin the tag with a kustomize `images:` entry
 * @property {boolean} flat no kustomize base: every environment folder holds its own workload
 */

/**
 * @typedef {object} PlannedFile
 * @property {string} path
 * @property {string} kind
 * @property {App | undefined} app
 * @property {string} env
 * @property {TargetForm[]} slots target forms this file can hold
 * @property {TargetForm[]} inject forms to fill with the target
 */

/**
 * State while one file is rendered: decides which image each slot gets.
 */
class FileContext {
  /**
   * @param {Prng} rng
   * @param {PlannedFile} plan
   */
  constructor(rng, plan) {
    this.rng = rng;
    this.plan = plan;
    /** @type {Set<TargetForm>} */
    this.pending = new Set(plan.inject);
    this.references = 0;
    this.documents = 0;
    this.nearMiss = false;
  }

  /**
   * The image for a slot: the target when this file was chosen to hold it there.
   * @param {TargetForm} form
   * @param {string} image
   * @returns {string}
   */
  image(form, image) {
    let value = image;
    if (this.pending.has(form)) {
      this.pending.delete(form);
      value = quote(this.rng, `${TARGET_REPOSITORY}:1.${this.rng.int(30, 44)}.${this.rng.int(0, 9)}`);
    }
    // Count what was written, not what was asked for: the api app's own jobs run its image too.
    const bare = value.replace(/^["']|["']$/g, "");
    if (bare.startsWith(`${TARGET_REPOSITORY}:`) || bare.startsWith(`${TARGET_REPOSITORY}@`)) this.references++;
    else if (bare.includes("acme/api")) this.nearMiss = true;
    return value;
  }

  /**
   * Whether the next slot of this form will receive the target.
   * @param {TargetForm} form
   * @returns {boolean}
   */
  wants(form) {
    return this.pending.has(form);
  }

  /** @returns {string} a near-miss image, remembered for the summary */
  nearMissImage() {
    this.nearMiss = true;
    return this.rng.pick(NEAR_MISS_IMAGES);
  }
}

/**
 * Mostly plain scalars, sometimes quoted, as people write them.
 * @param {Prng} rng
 * @param {string} value
 * @returns {string}
 */
function quote(rng, value) {
  const roll = rng.next();
  if (roll < 0.15) return `"${value}"`;
  if (roll < 0.2) return `'${value}'`;
  return value;
}

/**
 * @param {Prng} rng
 * @returns {string}
 */
function tag(rng) {
  switch (rng.int(0, 4)) {
    case 0: return `v${rng.int(0, 3)}.${rng.int(0, 30)}.${rng.int(0, 12)}`;
    case 1: return `2024.${String(rng.int(1, 12)).padStart(2, "0")}.${String(rng.int(1, 28)).padStart(2, "0")}-${rng.hex(7)}`;
    case 2: return `sha-${rng.hex(7)}`;
    default: return `${rng.int(0, 4)}.${rng.int(0, 60)}.${rng.int(0, 20)}`;
  }
}

/**
 * An image with a tag, sometimes pinned by digest too.
 * @param {Prng} rng
 * @param {string} repository
 * @returns {string}
 */
function pinned(rng, repository) {
  const ref = `${repository}:${tag(rng)}`;
  return rng.chance(0.1) ? `${ref}@sha256:${rng.hex(64)}` : ref;
}

/**
 * Indent every line of a block.
 * @param {string} text
 * @param {number} spaces
 * @returns {string}
 */
function indent(text, spaces) {
  const pad = " ".repeat(spaces);
  return text.split("\n").map((line) => (line === "" ? line : pad + line)).join("\n");
}

/**
 * @param {App} app
 * @param {string} env
 * @returns {string}
 */
function labels(app, env) {
  return [
    `app.kubernetes.io/name: ${app.name}`,
    `app.kubernetes.io/part-of: ${app.team}`,
    `app.kubernetes.io/managed-by: kustomize`,
    `acme.io/environment: ${env}`,
  ].join("\n");
}

/**
 * @param {string} kind
 * @param {string} apiVersion
 * @param {string} name
 * @param {App} app
 * @param {string} env
 * @returns {string}
 */
function header(kind, apiVersion, name, app, env) {
  return `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: ${app.team}\n  labels:\n${indent(labels(app, env), 4)}\n`;
}

/**
 * A container list entry.
 * @param {FileContext} ctx
 * @param {string} name
 * @param {string} image
 * @param {boolean} main
 * @returns {string}
 */
function container(ctx, name, image, main) {
  const { rng } = ctx;
  const lines = [`- name: ${name}`, `  image: ${image}`, `  imagePullPolicy: IfNotPresent`];
  if (main) {
    lines.push(`  args: ["--config=/etc/${name}/config.yaml", "--log-format=json"]`);
    lines.push(`  ports:`, `    - name: http`, `      containerPort: 8080`, `    - name: metrics`, `      containerPort: 9090`);
    lines.push(`  env:`);
    const envCount = rng.int(4, 16);
    for (let i = 0; i < envCount; i++) {
      const key = `${rng.pick(WORDS)}_${rng.pick(WORDS)}_${i}`.toUpperCase();
      lines.push(`    - name: ${key}`, `      value: "${rng.pick(WORDS)}-${rng.int(1, 9999)}"`);
    }
    lines.push(`    - name: DATABASE_PASSWORD`, `      valueFrom:`, `        secretKeyRef:`, `          name: ${name}-db`, `          key: password`);
    lines.push(`  envFrom:`, `    - configMapRef:`, `        name: ${name}-config`);
    lines.push(`  readinessProbe:`, `    httpGet:`, `      path: /healthz/ready`, `      port: http`, `    periodSeconds: 10`);
    lines.push(`  livenessProbe:`, `    httpGet:`, `      path: /healthz/live`, `      port: http`, `    initialDelaySeconds: 15`);
    lines.push(`  volumeMounts:`, `    - name: config`, `      mountPath: /etc/${name}`, `      readOnly: true`);
  }
  lines.push(`  resources:`, `    requests:`, `      cpu: ${rng.int(1, 20) * 50}m`, `      memory: ${rng.int(1, 16) * 64}Mi`);
  lines.push(`    limits:`, `      memory: ${rng.int(2, 32) * 64}Mi`);
  lines.push(`  securityContext:`, `    allowPrivilegeEscalation: false`, `    readOnlyRootFilesystem: true`);
  return lines.join("\n");
}

/**
 * The pod template shared by Deployments, StatefulSets and CronJobs.
 * @param {FileContext} ctx
 * @param {App} app
 * @param {string} env
 * @param {TargetForm} mainForm
 * @returns {string}
 */
function podSpec(ctx, app, env, mainForm) {
  const { rng } = ctx;
  const lines = [`serviceAccountName: ${app.name}`, `securityContext:`, `  runAsNonRoot: true`, `  fsGroup: 10001`];
  if (ctx.wants("init-container") || rng.chance(0.3)) {
    const fallback = rng.chance(0.12) ? ctx.nearMissImage() : pinned(rng, rng.chance(0.5) ? app.image : "busybox");
    lines.push(`initContainers:`, indent(container(ctx, "migrate", ctx.image("init-container", fallback), false), 2));
    lines.push(`    command: ["/app/migrate", "up"]`);
  }
  lines.push(`containers:`);
  lines.push(indent(container(ctx, app.name, ctx.image(mainForm, pinned(rng, app.image)), true), 2));
  if (ctx.wants("sidecar") || rng.chance(0.4)) {
    const [name, image] = rng.pick(SIDECARS);
    const sidecarImage = rng.chance(0.05) ? ctx.nearMissImage() : image;
    lines.push(indent(container(ctx, name, ctx.image("sidecar", sidecarImage), false), 2));
  }
  lines.push(`volumes:`, `  - name: config`, `    configMap:`, `      name: ${app.name}-config`);
  if (rng.chance(0.5)) {
    lines.push(`topologySpreadConstraints:`, `  - maxSkew: 1`, `    topologyKey: topology.kubernetes.io/zone`);
    lines.push(`    whenUnsatisfiable: ScheduleAnyway`, `    labelSelector:`, `      matchLabels:`, `        app.kubernetes.io/name: ${app.name}`);
  }
  lines.push(`nodeSelector:`, `  kubernetes.io/os: linux`, `  acme.io/pool: ${rng.pick(["general", "memory", "compute", "spot"])}`);
  lines.push(`tolerations:`, `  - key: acme.io/dedicated`, `    operator: Equal`, `    value: ${app.team}`, `    effect: NoSchedule`);
  return lines.join("\n");
}

/**
 * @param {FileContext} ctx
 * @param {App} app
 * @param {string} env
 * @returns {string}
 */
function deployment(ctx, app, env) {
  const { rng } = ctx;
  return `${header("Deployment", "apps/v1", app.name, app, env)}  annotations:
    reloader.stakater.com/auto: "true"
spec:
  replicas: ${rng.int(1, 12)}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: ${app.name}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
${indent(labels(app, env), 8)}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9090"
    spec:
${indent(podSpec(ctx, app, env, "container"), 6)}
`;
}

/**
 * @param {FileContext} ctx
 * @param {App} app
 * @param {string} env
 * @returns {string}
 */
function statefulSet(ctx, app, env) {
  const { rng } = ctx;
  return `${header("StatefulSet", "apps/v1", app.name, app, env)}spec:
  serviceName: ${app.name}-headless
  replicas: ${rng.int(1, 5)}
  podManagementPolicy: Parallel
  selector:
    matchLabels:
      app.kubernetes.io/name: ${app.name}
  template:
    metadata:
      labels:
${indent(labels(app, env), 8)}
    spec:
${indent(podSpec(ctx, app, env, "container"), 6)}
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: ["ReadWriteOnce"]
        storageClassName: ${rng.pick(["gp3", "premium-rwo", "standard"])}
        resources:
          requests:
            storage: ${rng.int(1, 50) * 10}Gi
`;
}

/**
 * @param {FileContext} ctx
 * @param {App} app
 * @param {string} env
 * @param {number} index
 * @returns {string}
 */
function cronJob(ctx, app, env, index) {
  const { rng } = ctx;
  const job = `${app.name}-${rng.pick(["reindex", "cleanup", "report", "sync", "backfill", "rotate"])}-${index}`;
  const image = ctx.image("cronjob", pinned(rng, rng.chance(0.8) ? app.image : rng.pick(THIRD_PARTY_IMAGES).split(":")[0] ?? "busybox"));
  return `${header("CronJob", "batch/v1", job, app, env)}spec:
  schedule: "${rng.int(0, 59)} ${rng.pick(["*", "*/2", "3", "*/6"])} * * ${rng.pick(["*", "1-5", "0"])}"
  concurrencyPolicy: Forbid
  successfulJobsHistoryLimit: 3
  failedJobsHistoryLimit: 1
  jobTemplate:
    spec:
      backoffLimit: 2
      activeDeadlineSeconds: ${rng.int(5, 120) * 60}
      template:
        spec:
          restartPolicy: OnFailure
          serviceAccountName: ${app.name}
          containers:
            - name: ${job}
              image: ${image}
              command: ["/app/${app.name}", "${job.split("-").slice(-2, -1)[0]}"]
              env:
                - name: BATCH_SIZE
                  value: "${rng.int(10, 5000)}"
              resources:
                requests:
                  cpu: ${rng.int(1, 8) * 100}m
                  memory: ${rng.int(1, 8) * 128}Mi
`;
}

/**
 * @param {Prng} rng
 * @param {App} app
 * @param {string} env
 * @returns {string[]}
 */
function serviceDocs(rng, app, env) {
  const docs = [
    `${header("Service", "v1", app.name, app, env)}spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: ${app.name}
  ports:
    - name: http
      port: 80
      targetPort: http
    - name: metrics
      port: 9090
      targetPort: metrics
`,
    `${header("ServiceAccount", "v1", app.name, app, env)}  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::${rng.int(100000000000, 999999999999)}:role/${app.name}-${env}
`,
  ];
  if (rng.chance(0.7)) {
    docs.push(`${header("PodDisruptionBudget", "policy/v1", app.name, app, env)}spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: ${app.name}
`);
  }
  if (rng.chance(0.6)) {
    docs.push(`${header("HorizontalPodAutoscaler", "autoscaling/v2", app.name, app, env)}spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${app.name}
  minReplicas: ${rng.int(1, 3)}
  maxReplicas: ${rng.int(4, 40)}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: ${rng.int(50, 85)}
`);
  }
  if (rng.chance(0.5)) {
    docs.push(`${header("NetworkPolicy", "networking.k8s.io/v1", app.name, app, env)}spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: ${app.name}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: ${rng.pick(TEAMS)}
      ports:
        - port: 8080
`);
  }
  if (rng.chance(0.4)) {
    docs.push(`${header("Ingress", "networking.k8s.io/v1", app.name, app, env)}  annotations:
    cert-manager.io/cluster-issuer: letsencrypt
spec:
  ingressClassName: nginx
  rules:
    - host: ${app.name}.${env}.acme.io
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: ${app.name}
                port:
                  name: http
  tls:
    - hosts: [${app.name}.${env}.acme.io]
      secretName: ${app.name}-tls
`);
  }
  return docs;
}

/**
 * Bulk text for ConfigMaps, about `bytes` long.
 * @param {Prng} rng
 * @param {number} bytes
 * @returns {string}
 */
function bulk(rng, bytes) {
  const style = rng.int(0, 2);
  /** @type {string[]} */
  const lines = [];
  let size = 0;
  let i = 0;
  while (size < bytes) {
    let line;
    if (style === 0) line = `${rng.pick(WORDS)}.${rng.pick(WORDS)}.${rng.pick(WORDS)}_${i}=${rng.pick(WORDS)}-${rng.int(0, 99999)}`;
    else if (style === 1) line = `{"id": ${i}, "title": "${rng.pick(WORDS)} ${rng.pick(WORDS)}", "expr": "rate(http_requests_total{job=\\"${rng.pick(WORDS)}\\"}[5m])", "ok": ${rng.chance(0.5)}},`;
    else line = `location /${rng.pick(WORDS)}/${i} { proxy_pass http://${rng.pick(WORDS)}.svc:8080; proxy_read_timeout ${rng.int(1, 120)}s; }`;
    lines.push(line);
    size += line.length + 9;
    i++;
  }
  return lines.join("\n");
}

/**
 * @param {FileContext} ctx
 * @param {App} app
 * @param {string} env
 * @param {number} index
 * @param {number} bulkBytes
 * @returns {string}
 */
function configMap(ctx, app, env, index, bulkBytes) {
  const { rng } = ctx;
  const name = index === 0 ? `${app.name}-config` : `${app.name}-${rng.pick(WORDS)}-${index}`;
  let data = "";
  const keys = rng.int(3, 12);
  for (let i = 0; i < keys; i++) data += `  ${rng.pick(WORDS)}.${rng.pick(WORDS)}.${i}: "${rng.pick(WORDS)}-${rng.int(0, 999)}"\n`;
  if (bulkBytes > 0) data += `  ${rng.pick(["application.properties", "dashboard.json", "nginx.conf"])}: |\n${indent(bulk(rng, bulkBytes), 4)}\n`;
  return `${header("ConfigMap", "v1", name, app, env)}data:\n${data}`;
}

/**
 * @param {Prng} rng
 * @param {App} app
 * @param {string} env
 * @returns {string[]}
 */
function rbacDocs(rng, app, env) {
  const docs = [];
  const roles = rng.int(1, 3);
  for (let i = 0; i < roles; i++) {
    docs.push(`${header("Role", "rbac.authorization.k8s.io/v1", `${app.name}-${i}`, app, env)}rules:
  - apiGroups: [""]
    resources: [configmaps, secrets]
    verbs: [get, list, watch]
  - apiGroups: [apps]
    resources: [deployments]
    verbs: [get, patch]
`);
    docs.push(`${header("RoleBinding", "rbac.authorization.k8s.io/v1", `${app.name}-${i}`, app, env)}roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: ${app.name}-${i}
subjects:
  - kind: ServiceAccount
    name: ${app.name}
    namespace: ${app.team}
`);
  }
  return docs;
}

/**
 * @param {FileContext} ctx
 * @param {App} app
 * @param {string} env
 * @param {boolean} base
 * @returns {string}
 */
function kustomization(ctx, app, env, base) {
  const { rng } = ctx;
  const lines = [`apiVersion: kustomize.config.k8s.io/v1beta1`, `kind: Kustomization`, `namespace: ${app.team}`];
  if (base) {
    lines.push(`resources:`, `  - deployment.yaml`);
  } else {
    lines.push(`resources:`);
    if (app.workload === "cron-only") lines.push(`  - ../../../../apps/shared/cron-defaults`);
    else if (app.flat) lines.push(`  - ${app.workload}.yaml`);
    else lines.push(`  - ../../../../apps/base/${app.name}`);
    lines.push(`  - configmaps.yaml`);
    if (app.cron) lines.push(`  - cronjobs.yaml`);
    if (app.rbac) lines.push(`  - rbac.yaml`);
  }
  lines.push(`commonLabels:`, `  acme.io/environment: ${env}`, `  acme.io/team: ${app.team}`);
  if (!base && (app.kustomizeImages || ctx.wants("kustomize-images"))) {
    const target = ctx.wants("kustomize-images");
    const name = ctx.image("kustomize-images", app.image);
    lines.push(`images:`, `  - name: ${target ? TARGET_REPOSITORY : name}`, `    newTag: ${target ? quote(rng, tag(rng)) : tag(rng)}`);
    if (rng.chance(0.3)) lines.push(`  - name: ${rng.pick(SIDECARS)[1].split(":")[0]}`, `    newTag: ${tag(rng)}`);
  }
  if (rng.chance(0.4)) {
    lines.push(`patches:`, `  - target:`, `      kind: Deployment`, `      name: ${app.name}`, `    patch: |-`);
    lines.push(`      - op: replace`, `        path: /spec/replicas`, `        value: ${rng.int(1, 10)}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Helm values: a single, larger document.
 * @param {FileContext} ctx
 * @param {App} app
 * @param {string} env
 * @returns {string}
 */
function helmValues(ctx, app, env) {
  const { rng } = ctx;
  const target = ctx.wants("helm-values");
  ctx.image("helm-values", app.image);
  const lines = [
    `# Default values for ${app.name}.`,
    `replicaCount: ${rng.int(1, 6)}`,
    `image:`,
    `  repository: ${target ? TARGET_REPOSITORY : app.image}`,
    `  tag: "${tag(rng)}"`,
    `  pullPolicy: IfNotPresent`,
    `imagePullSecrets: []`,
    `nameOverride: ""`,
    `serviceAccount:`,
    `  create: true`,
    `  name: ${app.name}`,
    `podAnnotations:`,
    `  acme.io/environment: ${env}`,
    `service:`,
    `  type: ClusterIP`,
    `  port: 80`,
    `resources:`,
    `  requests:`,
    `    cpu: ${rng.int(1, 10) * 100}m`,
    `    memory: ${rng.int(1, 8) * 128}Mi`,
    `sidecars:`,
  ];
  const [name, image] = rng.pick(SIDECARS);
  lines.push(`  - name: ${name}`, `    image:`, `      repository: ${image.split(":")[0]}`, `      tag: ${image.split(":")[1]}`);
  lines.push(`config:`);
  const keys = rng.int(20, 80);
  for (let i = 0; i < keys; i++) lines.push(`  ${rng.pick(WORDS)}${i}:`, `    ${rng.pick(WORDS)}Count: ${rng.int(0, 1000)}`, `    ${rng.pick(WORDS)}Name: "${rng.pick(WORDS)}"`);
  return lines.join("\n") + "\n";
}

/**
 * A platform bundle: many small documents (alert rules, CRD-like schemas, dashboards).
 * @param {FileContext} ctx
 * @param {App} app
 * @param {string} env
 * @returns {string[]}
 */
function bundleDocs(ctx, app, env) {
  const { rng } = ctx;
  const docs = [];
  const count = rng.int(50, 190);
  for (let i = 0; i < count; i++) {
    const roll = rng.next();
    if (roll < 0.45) {
      docs.push(`${header("PrometheusRule", "monitoring.coreos.com/v1", `${app.name}-rules-${i}`, app, env)}spec:
  groups:
    - name: ${app.name}.${rng.pick(WORDS)}
      rules:
        - alert: ${rng.pick(WORDS)}${rng.pick(WORDS)}High
          expr: sum(rate(http_requests_total{code=~"5..",job="${rng.pick(WORDS)}"}[5m])) > ${rng.int(1, 100)}
          for: ${rng.int(1, 30)}m
          labels:
            severity: ${rng.pick(["warning", "critical", "info"])}
          annotations:
            summary: "${rng.pick(WORDS)} ${rng.pick(WORDS)} is failing"
`);
    } else if (roll < 0.75) {
      let props = "";
      const fields = rng.int(3, 14);
      for (let f = 0; f < fields; f++) props += `                ${rng.pick(WORDS)}${f}:\n                  type: ${rng.pick(["string", "integer", "boolean"])}\n                  description: The ${rng.pick(WORDS)} of the ${rng.pick(WORDS)}.\n`;
      docs.push(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${rng.pick(WORDS)}${i}s.${app.name}.acme.io
spec:
  group: ${app.name}.acme.io
  scope: Namespaced
  names:
    kind: ${rng.pick(WORDS)}${i}
    plural: ${rng.pick(WORDS)}${i}s
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
${props}`);
    } else {
      docs.push(configMap(ctx, app, env, i + 1, rng.chance(0.2) ? rng.int(500, 4000) : 0));
    }
  }
  return docs;
}

/**
 * Render one planned file.
 * @param {Prng} rng
 * @param {PlannedFile} plan
 * @returns {{ text: string, ctx: FileContext }}
 */
function renderFile(rng, plan) {
  const ctx = new FileContext(rng, plan);
  const app = plan.app;
  if (!app) throw new Error(`no app for ${plan.path}`);
  const env = plan.env;
  /** @type {string[]} */
  let docs = [];
  switch (plan.kind) {
    case "kustomization":
      docs = [kustomization(ctx, app, env, false)];
      break;
    case "base-kustomization":
      docs = [kustomization(ctx, app, env, true)];
      break;
    case "workload":
      docs = [app.workload === "statefulset" ? statefulSet(ctx, app, env) : deployment(ctx, app, env), ...serviceDocs(rng, app, env)];
      break;
    case "cronjobs": {
      const count = rng.int(1, 8);
      const cronIndex = ctx.wants("cronjob") ? rng.int(0, count - 1) : -1;
      for (let i = 0; i < count; i++) {
        if (i !== cronIndex && ctx.wants("cronjob")) {
          const saved = ctx.pending;
          ctx.pending = new Set();
          docs.push(cronJob(ctx, app, env, i));
          ctx.pending = saved;
        } else {
          docs.push(cronJob(ctx, app, env, i));
        }
      }
      break;
    }
    case "configmaps": {
      const count = rng.int(2, 28);
      for (let i = 0; i < count; i++) docs.push(configMap(ctx, app, env, i, rng.chance(0.15) ? rng.int(1000, 42000) : 0));
      break;
    }
    case "rbac":
      docs = rbacDocs(rng, app, env);
      break;
    case "values":
      docs = [helmValues(ctx, app, env)];
      break;
    case "bundle":
      docs = bundleDocs(ctx, app, env);
      break;
    default:
      throw new Error(`unknown file kind ${plan.kind}`);
  }
  if (ctx.pending.size > 0) throw new Error(`generator bug: ${plan.path} did not place ${[...ctx.pending].join(", ")}`);
  let prefix = "";
  if (rng.chance(0.03)) {
    prefix = `# Previously built from ${TARGET_REPOSITORY} sources; see the migration notes.\n`;
    ctx.nearMiss = true;
  } else if (rng.chance(0.15)) {
    prefix = `# Managed by the ${app.team} team. Do not edit by hand.\n`;
  }
  ctx.documents = docs.length;
  const leadingSeparator = docs.length > 1 && rng.chance(0.3) ? "---\n" : "";
  return { text: prefix + leadingSeparator + docs.join("---\n"), ctx };
}

/**
 * Plan the tree: which files exist, what they hold, which hold the target.
 * @param {Prng} rng
 * @param {number} fileCount
 * @param {number} targetCount
 * @param {readonly TargetForm[]} forms
 * @returns {PlannedFile[]}
 */
function plan(rng, fileCount, targetCount, forms) {
  /** @type {App[]} */
  const apps = [];
  const names = new Set();
  /**
   * @param {string} name
   * @param {Partial<App>} [overrides]
   */
  const addApp = (name, overrides = {}) => {
    names.add(name);
    apps.push({
      name,
      team: rng.pick(TEAMS),
      image: rng.chance(0.9) ? `ghcr.io/acme/${name}` : `${rng.pick(["docker.io/acme", "europe-docker.pkg.dev/acme-prod/images", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme"])}/${name}`,
      workload: rng.weighted([["deployment", 75], ["statefulset", 15], ["cron-only", 10]]),
      cron: rng.chance(0.4),
      rbac: rng.chance(0.35),
      helm: rng.chance(0.25),
      kustomizeImages: rng.chance(0.5),
      flat: rng.chance(0.5),
      ...overrides,
    });
  };
  // The target's own app: a Deployment in the base, tags pinned per environment, batch jobs, a chart.
  addApp("api", { team: "platform", image: TARGET_REPOSITORY, workload: "deployment", cron: true, rbac: true, helm: true, kustomizeImages: true, flat: false });
  for (const name of NEAR_MISS_APPS) addApp(name, { image: `ghcr.io/acme/${name}`, workload: "deployment" });
  const shuffledNouns = rng.shuffle(NOUNS);
  for (const suffix of SUFFIXES) for (const noun of shuffledNouns) if (!names.has(noun + suffix)) addApp(noun + suffix);

  /** @type {PlannedFile[]} */
  const files = [];
  /**
   * @param {string} path
   * @param {string} kind
   * @param {App} app
   * @param {string} env
   * @param {TargetForm[]} slots
   */
  const add = (path, kind, app, env, slots) => files.push({ path, kind, app, env, slots, inject: [] });
  const podSlots = /** @type {TargetForm[]} */ (["init-container", "sidecar"]);
  const platformComponents = ["monitoring", "cert-manager", "ingress", "external-secrets", "flux-system", "logging", "policy"];
  for (const app of apps) {
    if (files.length >= fileCount) break;
    if (app.workload !== "cron-only" && !app.flat) {
      add(`apps/base/${app.name}/kustomization.yaml`, "base-kustomization", app, "base", []);
      add(`apps/base/${app.name}/deployment.yaml`, "workload", app, "base", ["container", ...podSlots]);
    }
    if (app.helm) add(`charts/${app.name}/values.yaml`, "values", app, "base", ["helm-values"]);
    for (const env of ENVS) {
      const dir = `clusters/${env}/${app.team}/${app.name}`;
      add(`${dir}/kustomization.yaml`, "kustomization", app, env, ["kustomize-images"]);
      if (app.flat && app.workload !== "cron-only") add(`${dir}/${app.workload}.yaml`, "workload", app, env, ["container", ...podSlots]);
      add(`${dir}/configmaps.yaml`, "configmaps", app, env, []);
      if (app.cron || app.workload === "cron-only") add(`${dir}/cronjobs.yaml`, "cronjobs", app, env, ["cronjob"]);
      if (app.rbac) add(`${dir}/rbac.yaml`, "rbac", app, env, []);
      if (app.helm && rng.chance(0.5)) add(`${dir}/values-${env}.yaml`, "values", app, env, ["helm-values"]);
    }
    // Platform bundles: big multi-document files, one for every few apps.
    if (rng.chance(0.6)) {
      const env = rng.pick(ENVS);
      add(`platform/${env}/${rng.pick(platformComponents)}/${app.name}-bundle.yaml`, "bundle", app, env, []);
    }
  }
  let fill = 0;
  while (files.length < fileCount) {
    const app = /** @type {App} */ (apps[fill % apps.length]);
    const env = /** @type {string} */ (ENVS[Math.floor(fill / apps.length) % ENVS.length]);
    add(`platform/${env}/extra-${Math.floor(fill / apps.length / ENVS.length)}/${app.name}-bundle.yaml`, "bundle", app, env, []);
    fill++;
  }
  files.length = fileCount;

  // Place the target: first the api app's own files, then random other files, one form each.
  const allowed = new Set(forms);
  const isApi = (/** @type {PlannedFile} */ f) => f.app?.name === "api";
  const usable = (/** @type {PlannedFile} */ f) => f.slots.some((s) => allowed.has(s));
  const apiFiles = files.filter((f) => isApi(f) && f.kind !== "bundle" && usable(f));
  // Other apps use the api image for batch work and migrations, not in their own overrides or charts.
  /** @type {ReadonlySet<TargetForm>} */
  const foreignForms = new Set(["container", "init-container", "sidecar", "cronjob"]);
  const allowedFor = (/** @type {PlannedFile} */ f) => f.slots.filter((s) => allowed.has(s) && (isApi(f) || foreignForms.has(s)));
  const others = rng.shuffle(files.filter((f) => !isApi(f) && allowedFor(f).length > 0));
  const chosen = [...apiFiles.slice(0, targetCount)];
  for (const f of others) {
    if (chosen.length >= targetCount) break;
    chosen.push(f);
  }
  for (const f of chosen) {
    const slots = allowedFor(f);
    // The api app's own workload and values hold it in the main slot.
    const form = isApi(f) ? /** @type {TargetForm} */ (slots[0]) : rng.pick(slots);
    f.inject = [form];
    if (!isApi(f) && f.kind === "workload" && slots.length > 1 && rng.chance(0.2)) {
      const second = rng.pick(slots.filter((s) => s !== form));
      f.inject.push(second);
    }
  }
  // The api app's files that are not targets must not reference it either.
  for (const f of files) {
    if (isApi(f) && f.inject.length === 0 && f.slots.length > 0) {
      if (f.app) f.app = { ...f.app, image: "ghcr.io/acme/api-legacy", kustomizeImages: false };
    }
  }
  return files;
}

/**
 * Generate the tree into `outDir` (emptied first).
 * @param {string} outDir
 * @param {GenerateOptions} [options]
 * @returns {TreeSummary}
 */
export function generateTree(outDir, options = {}) {
  const seed = options.seed ?? "bender-bench-1";
  const fileCount = options.files ?? 2000;
  const targetCount = Math.max(1, Math.round(fileCount * (options.targetShare ?? 0.01)));
  const rng = new Prng(seed);
  const files = plan(rng, fileCount, targetCount, options.targetForms ?? ALL_TARGET_FORMS);
  rmSync(outDir, { recursive: true, force: true });
  const dirs = new Set();
  const lastComponent = TARGET_REPOSITORY.slice(TARGET_REPOSITORY.lastIndexOf("/") + 1);
  /** @type {TreeSummary} */
  const summary = {
    seed,
    generatorVersion: GENERATOR_VERSION,
    files: 0,
    documents: 0,
    bytes: 0,
    targetRepository: TARGET_REPOSITORY,
    targets: [],
    nearMissFiles: 0,
    filesWithLastComponent: 0,
    filesByKind: {},
  };
  for (const file of files) {
    const { text, ctx } = renderFile(rng, file);
    const path = join(outDir, file.path);
    const dir = dirname(path);
    if (!dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      dirs.add(dir);
    }
    writeFileSync(path, text);
    summary.files++;
    summary.documents += ctx.documents;
    summary.bytes += Buffer.byteLength(text);
    summary.filesByKind[file.kind] = (summary.filesByKind[file.kind] ?? 0) + 1;
    if (ctx.references > 0) summary.targets.push({ file: file.path, references: ctx.references, forms: file.inject });
    else if (ctx.nearMiss) summary.nearMissFiles++;
    if (text.includes(lastComponent)) summary.filesWithLastComponent++;
  }
  summary.targets.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return summary;
}

/**
 * @param {string[]} argv
 */
function main(argv) {
  /** @type {Record<string, string>} */
  const args = {};
  for (let i = 0; i < argv.length; i += 2) args[(argv[i] ?? "").replace(/^--/, "")] = argv[i + 1] ?? "";
  const here = dirname(fileURLToPath(import.meta.url));
  const out = resolve(args.out ?? join(here, ".work", "pristine"));
  const started = performance.now();
  const summary = generateTree(out, {
    ...(args.seed ? { seed: args.seed } : {}),
    ...(args.files ? { files: Number(args.files) } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ out, seconds: Number(seconds.toFixed(2)), ...summary, targets: summary.targets.length }, null, 2));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
