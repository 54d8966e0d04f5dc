// Shopcast house rules for rendered manifests, beyond what the Kubernetes schema requires.
// Per object: hardened pods (the namespace enforces Pod Security "restricted"), resources on
// every container, probes on long-running workloads, pinned images, the part-of label.
// Across the objects of one render: every reference (ConfigMap, Secret and its keys,
// ServiceAccount, Service selector and target port, ...) points at something that exists.

export const PART_OF_LABEL = "app.kubernetes.io/part-of";
export const PART_OF_VALUE = "shopcast";
export const NAME_LABEL = "app.kubernetes.io/name";

const WORKLOAD_KINDS = new Set([
  "Pod",
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "Job",
  "CronJob",
]);
// Serve until replaced: these need probes, so a stuck process is restarted and taken out of load.
const LONG_RUNNING_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);
// Services whose replicas own state by name (video-ingest: the encoder sessions it admitted; on
// start-up a replica recovers only its own and those of replicas that are gone), by the
// app.kubernetes.io/name of their pods: each must be told its pod's name.
const INSTANCE_ID_ENV = new Map([["video-ingest", "SHOPCAST_VIDEO_INGEST_INSTANCE_ID"]]);
const ADVERTISE_ENV = "SHOPCAST_VIDEO_INGEST_HLS_ADVERTISE_URL";

function podTemplateOf(obj) {
  switch (obj.kind) {
    case "Pod":
      return { metadata: obj.metadata, spec: obj.spec };
    case "CronJob":
      return obj.spec?.jobTemplate?.spec?.template;
    default:
      return WORKLOAD_KINDS.has(obj.kind) ? obj.spec?.template : undefined;
  }
}

function containersOf(podSpec) {
  return [
    ...(podSpec?.initContainers ?? []).map((c) => ({
      c,
      where: `initContainers[${c.name}]`,
      init: true,
    })),
    ...(podSpec?.containers ?? []).map((c) => ({ c, where: `containers[${c.name}]`, init: false })),
  ];
}

// "registry:5000/repo/name:tag@sha256:..." -> {name: "registry:5000/repo/name", tag: "tag"}.
function splitImage(image) {
  const ref = image.split("@")[0];
  const colon = ref.lastIndexOf(":");
  return colon > ref.lastIndexOf("/")
    ? { name: ref.slice(0, colon), tag: ref.slice(colon + 1) }
    : { name: ref, tag: null };
}

// PostgreSQL's official image may need a writable root filesystem (the one allowed exception).
function isPostgresStatefulSet(obj, container) {
  if (obj.kind !== "StatefulSet" || typeof container.image !== "string") return false;
  const { name } = splitImage(container.image);
  return name === "postgres" || name.endsWith("/postgres");
}

// An env var whose value is the pod's name (the downward API).
function isPodName(env) {
  return env.value === undefined && env.valueFrom?.fieldRef?.fieldPath === "metadata.name";
}

function selectorMatches(matchLabels, labels) {
  return Object.entries(matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
}

// Returns the house-rule violations of one object, looking at nothing else.
export function objectRuleErrors(obj) {
  const errors = [];
  if (obj.metadata?.labels?.[PART_OF_LABEL] !== PART_OF_VALUE) {
    errors.push(`metadata.labels: missing ${PART_OF_LABEL}: ${PART_OF_VALUE}`);
  }
  // CloudNativePG runs the image a Cluster names: pinned like every container's.
  if (obj.kind === "Cluster" && typeof obj.spec?.imageName === "string") {
    const { tag } = splitImage(obj.spec.imageName);
    if (!obj.spec.imageName.includes("@") && (tag === null || tag === "latest"))
      errors.push(`spec.imageName ${obj.spec.imageName} must carry an explicit tag other than latest`);
  }
  if (!WORKLOAD_KINDS.has(obj.kind)) return errors;

  const template = podTemplateOf(obj);
  const pod = template?.spec;
  if (pod === undefined) return [...errors, "no pod template"];
  if (!template.metadata?.labels?.[NAME_LABEL]) {
    errors.push(`pod template: missing label ${NAME_LABEL}`);
  }
  if (
    obj.spec?.selector?.matchLabels !== undefined &&
    !selectorMatches(obj.spec.selector.matchLabels, template.metadata?.labels)
  ) {
    errors.push("spec.selector.matchLabels: does not match the pod template's labels");
  }
  const podSc = pod.securityContext ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) errors.push("pod uses host namespaces");

  for (const { c, where, init } of containersOf(pod)) {
    const sc = c.securityContext ?? {};
    for (const section of ["requests", "limits"]) {
      for (const resource of ["cpu", "memory"]) {
        if (c.resources?.[section]?.[resource] === undefined) {
          errors.push(`${where}: resources.${section}.${resource} missing`);
        }
      }
    }
    if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) {
      errors.push(`${where}: runAsNonRoot must be true`);
    }
    if ((sc.runAsUser ?? podSc.runAsUser) === 0) errors.push(`${where}: runAsUser 0 (root)`);
    if (sc.readOnlyRootFilesystem !== true && !isPostgresStatefulSet(obj, c)) {
      errors.push(`${where}: securityContext.readOnlyRootFilesystem must be true`);
    }
    if (sc.allowPrivilegeEscalation !== false) {
      errors.push(`${where}: securityContext.allowPrivilegeEscalation must be false`);
    }
    if (sc.privileged === true) errors.push(`${where}: privileged`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) {
      errors.push(`${where}: securityContext.capabilities.drop must include ALL`);
    }
    const seccomp = (sc.seccompProfile ?? podSc.seccompProfile)?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
      errors.push(`${where}: seccompProfile must be RuntimeDefault (pod or container)`);
    }
    if (typeof c.image === "string") {
      const { tag } = splitImage(c.image);
      if (!c.image.includes("@") && (tag === null || tag === "latest")) {
        errors.push(`${where}: image ${c.image} must carry an explicit tag other than latest`);
      }
    }
    if (LONG_RUNNING_KINDS.has(obj.kind) && !init) {
      for (const probe of ["readinessProbe", "livenessProbe"]) {
        if (c[probe] === undefined) errors.push(`${where}: ${probe} missing`);
      }
    }
    // A written-down instance id would be the same in every replica, which would then take each
    // other's sessions for their own: only the pod's own name will do.
    for (const env of c.env ?? []) {
      if (/^SHOPCAST_.*_INSTANCE_ID$/.test(env.name) && !isPodName(env)) {
        errors.push(`${where}.env[${env.name}]: must come from the downward API (metadata.name)`);
      }
    }
  }
  const instanceEnv = INSTANCE_ID_ENV.get(template.metadata?.labels?.[NAME_LABEL]);
  // Replicas that own state by name need names that outlive a restart, and tell the gateway
  // where their HLS origin is by that name (not by a pod IP, which changes with every restart).
  if (instanceEnv !== undefined && obj.kind !== "Pod") {
    if (obj.kind !== "StatefulSet") {
      errors.push(`${obj.kind}: replicas that own sessions by name must be a StatefulSet`);
    } else {
      const stable = `http://$(${instanceEnv}).${obj.spec?.serviceName}.`;
      for (const { c, where, init } of containersOf(pod)) {
        const advertise = (c.env ?? []).find((e) => e.name === ADVERTISE_ENV);
        if (!init && !advertise?.value?.startsWith(stable))
          errors.push(`${where}.env[${ADVERTISE_ENV}]: must start with ${stable} (the pod's stable name)`);
      }
    }
  }
  if (instanceEnv !== undefined) {
    for (const { c, where, init } of containersOf(pod)) {
      if (!init && !(c.env ?? []).some((e) => e.name === instanceEnv && isPodName(e))) {
        errors.push(`${where}: must set ${instanceEnv} from the downward API (metadata.name)`);
      }
    }
  }
  return errors;
}

// Indexes one render's objects by kind, namespace and name for the reference checks.
export class RenderIndex {
  constructor(objects) {
    this.objects = objects;
    this.byKey_ = new Map(
      objects.map((o) => [RenderIndex.key(o.kind, o.metadata?.namespace, o.metadata?.name), o]),
    );
  }

  static key(kind, namespace, name) {
    return `${kind}/${namespace ?? ""}/${name}`;
  }

  find(kind, namespace, name) {
    return this.byKey_.get(RenderIndex.key(kind, namespace, name));
  }

  workloadsIn(namespace) {
    return this.objects.filter(
      (o) => WORKLOAD_KINDS.has(o.kind) && o.metadata?.namespace === namespace,
    );
  }

  // The pod templates of a namespace: the workloads' and, for each CloudNativePG Cluster, the
  // labels its operator gives the instance pods (cnpg.io/cluster plus inheritedMetadata).
  podTemplatesIn(namespace) {
    const clusters = this.objects
      .filter((o) => o.kind === "Cluster" && o.apiVersion?.startsWith("postgresql.cnpg.io/"))
      .filter((o) => o.metadata?.namespace === namespace)
      .map((o) => ({
        metadata: {
          labels: {
            ...(o.spec?.inheritedMetadata?.labels ?? {}),
            "cnpg.io/cluster": o.metadata?.name,
          },
        },
        spec: {},
      }));
    return [
      ...this.workloadsIn(namespace)
        .map(podTemplateOf)
        .filter((t) => t !== undefined),
      ...clusters,
    ];
  }

  ofKind(kind, namespace) {
    return this.objects.filter((o) => o.kind === kind && o.metadata?.namespace === namespace);
  }
}

function dataKeysOf(obj) {
  return new Set([
    ...Object.keys(obj.data ?? {}),
    ...Object.keys(obj.stringData ?? {}),
    ...Object.keys(obj.binaryData ?? {}),
  ]);
}

// Returns the broken references from obj into the rest of its render.
// externalSecrets: Secrets are provided outside the render (the base), so a missing one is fine.
export function referenceErrors(obj, index, { externalSecrets }) {
  const errors = [];
  const ns = obj.metadata?.namespace;

  const need = (kind, name, what, keys = [], optional = false) => {
    if (name === undefined || optional) return;
    const target = index.find(kind, ns, name);
    if (target === undefined) {
      if (!(kind === "Secret" && externalSecrets))
        errors.push(`${what}: no ${kind} "${name}" in this render`);
      return;
    }
    const have = dataKeysOf(target);
    for (const key of keys) {
      if (!have.has(key)) errors.push(`${what}: ${kind} "${name}" has no key "${key}"`);
    }
  };

  const template = podTemplateOf(obj);
  if (template?.spec !== undefined) {
    const pod = template.spec;
    for (const { c, where } of containersOf(pod)) {
      for (const from of c.envFrom ?? []) {
        need(
          "ConfigMap",
          from.configMapRef?.name,
          `${where}.envFrom`,
          [],
          from.configMapRef?.optional,
        );
        need("Secret", from.secretRef?.name, `${where}.envFrom`, [], from.secretRef?.optional);
      }
      for (const env of c.env ?? []) {
        const cm = env.valueFrom?.configMapKeyRef;
        const secret = env.valueFrom?.secretKeyRef;
        if (cm) need("ConfigMap", cm.name, `${where}.env[${env.name}]`, [cm.key], cm.optional);
        if (secret)
          need("Secret", secret.name, `${where}.env[${env.name}]`, [secret.key], secret.optional);
      }
      const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
      for (const mount of c.volumeMounts ?? []) {
        if (!volumes.has(mount.name)) {
          const claims = (obj.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata?.name);
          if (!claims.includes(mount.name))
            errors.push(`${where}: mounts undefined volume "${mount.name}"`);
        }
      }
    }
    for (const v of pod.volumes ?? []) {
      const keys = (src) => (src?.items ?? []).map((i) => i.key);
      if (v.configMap)
        need(
          "ConfigMap",
          v.configMap.name,
          `volumes[${v.name}]`,
          keys(v.configMap),
          v.configMap.optional,
        );
      if (v.secret)
        need(
          "Secret",
          v.secret.secretName,
          `volumes[${v.name}]`,
          keys(v.secret),
          v.secret.optional,
        );
    }
    const sa = pod.serviceAccountName;
    if (sa !== undefined && sa !== "default") need("ServiceAccount", sa, "serviceAccountName");
    if (obj.kind === "StatefulSet") {
      const svc = index.find("Service", ns, obj.spec?.serviceName);
      if (svc === undefined)
        errors.push(`spec.serviceName: no Service "${obj.spec?.serviceName}" in this render`);
      else if (svc.spec?.clusterIP !== "None")
        errors.push(`spec.serviceName: Service "${svc.metadata.name}" is not headless`);
    }
  }

  const matchingPods = (matchLabels) =>
    index.podTemplatesIn(ns).filter((t) => selectorMatches(matchLabels, t.metadata?.labels));

  if (obj.kind === "Service" && obj.spec?.type !== "ExternalName") {
    const selector = obj.spec?.selector;
    if (selector === undefined || Object.keys(selector).length === 0) {
      errors.push("spec.selector: missing (a Service here always fronts pods of this render)");
    } else {
      const pods = matchingPods(selector);
      if (pods.length === 0) errors.push("spec.selector: matches no pod template in this render");
      for (const port of obj.spec?.ports ?? []) {
        const target = port.targetPort ?? port.port;
        const served = pods.some((t) =>
          containersOf(t.spec).some(({ c }) =>
            (c.ports ?? []).some((p) =>
              typeof target === "string" ? p.name === target : p.containerPort === target,
            ),
          ),
        );
        if (pods.length > 0 && !served)
          errors.push(`ports[${port.name ?? port.port}]: no container port ${target}`);
        // A headless Service's DNS names the pods themselves: a client dials the Service's
        // port on the pod, so no port may be remapped.
        const servedOn = pods.flatMap((t) =>
          containersOf(t.spec).flatMap(({ c }) =>
            (c.ports ?? []).filter((p) =>
              typeof target === "string" ? p.name === target : p.containerPort === target,
            ),
          ),
        );
        if (obj.spec?.clusterIP === "None" && servedOn.some((p) => p.containerPort !== port.port))
          errors.push(
            `ports[${port.name ?? port.port}]: headless, so port ${port.port} must be the ` +
              `container port (${servedOn.map((p) => p.containerPort).join(", ")})`,
          );
      }
    }
  }
  // gRPC peers are dialled as dns:///<service>:<port> with round_robin (libs/clients): the
  // name must resolve to every pod (a headless Service), or all calls ride one connection to
  // one ClusterIP and never spread nor leave a dead pod before the connection breaks.
  if (obj.kind === "ConfigMap") {
    for (const [key, value] of Object.entries(obj.data ?? {})) {
      for (const m of String(value).matchAll(/dns:\/\/\/([a-z0-9.-]+):(\d+)/g)) {
        const name = m[1].split(".")[0];
        const svc = index.find("Service", ns, name);
        if (svc === undefined) {
          errors.push(`data.${key}: no Service "${name}" in this render`);
        } else if (svc.spec?.clusterIP !== "None") {
          errors.push(
            `data.${key}: dns:///${m[1]} is not a headless Service (round_robin needs every pod)`,
          );
        } else if (!(svc.spec?.ports ?? []).some((p) => p.port === Number(m[2]))) {
          errors.push(`data.${key}: Service "${name}" has no port ${m[2]}`);
        }
      }
    }
  }
  // An autoscaler scales something of this render, and owns its replica count: a replicas
  // field on the target would reset the count on every apply.
  if (obj.kind === "HorizontalPodAutoscaler") {
    const ref = obj.spec?.scaleTargetRef ?? {};
    const target = index.find(ref.kind, ns, ref.name);
    if (target === undefined) {
      errors.push(`spec.scaleTargetRef: no ${ref.kind} "${ref.name}" in this render`);
    } else if (target.spec?.replicas !== undefined) {
      errors.push(
        `spec.scaleTargetRef: ${ref.kind} "${ref.name}" sets spec.replicas, which the autoscaler owns`,
      );
    }
  }
  if (
    obj.kind === "PodDisruptionBudget" &&
    matchingPods(obj.spec?.selector?.matchLabels).length === 0
  ) {
    errors.push("spec.selector: matches no pod template in this render");
  }
  if (obj.kind === "NetworkPolicy") {
    const own = obj.spec?.podSelector?.matchLabels;
    if (own !== undefined && Object.keys(own).length > 0 && matchingPods(own).length === 0) {
      errors.push("spec.podSelector: matches no pod template in this render");
    }
    const peers = [
      ...(obj.spec?.ingress ?? []).flatMap((r, i) =>
        (r.from ?? []).map((p) => [p, `ingress[${i}].from`]),
      ),
      ...(obj.spec?.egress ?? []).flatMap((r, i) =>
        (r.to ?? []).map((p) => [p, `egress[${i}].to`]),
      ),
    ];
    for (const [peer, where] of peers) {
      // Only same-namespace peers can be checked; other namespaces are outside the render.
      if (peer.namespaceSelector !== undefined || peer.podSelector?.matchLabels === undefined)
        continue;
      if (matchingPods(peer.podSelector.matchLabels).length === 0) {
        errors.push(`${where}.podSelector: matches no pod template in this render`);
      }
    }
  }
  errors.push(...completenessErrors(obj, index));
  return errors;
}

// A pod template's labels match a label selector (matchLabels and matchExpressions).
function selectsLabels(selector, labels) {
  if (selector === undefined || selector === null) return false;
  if (!selectorMatches(selector.matchLabels, labels)) return false;
  return (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const has = labels !== undefined && key in labels;
    switch (operator) {
      case "In":
        return has && values.includes(labels[key]);
      case "NotIn":
        return !has || !values.includes(labels[key]);
      case "Exists":
        return has;
      case "DoesNotExist":
        return !has;
      default:
        return false;
    }
  });
}

const isEmptySelector = (sel) =>
  Object.keys(sel?.matchLabels ?? {}).length === 0 && (sel?.matchExpressions ?? []).length === 0;

// What every object of a kind must have around it (issue 14): each Deployment and StatefulSet a
// PodDisruptionBudget and its own ServiceAccount without an API token; each Deployment an
// autoscaler; each Service a NetworkPolicy of its own (not only the namespace-wide default
// deny) selecting its pods; each metrics port a ServiceMonitor.
export function completenessErrors(obj, index) {
  const errors = [];
  const ns = obj.metadata?.namespace;
  if (obj.kind === "Deployment" || obj.kind === "StatefulSet") {
    const template = obj.spec?.template;
    const labels = template?.metadata?.labels;
    if (!index.ofKind("PodDisruptionBudget", ns).some((p) => selectsLabels(p.spec?.selector, labels)))
      errors.push("no PodDisruptionBudget selects its pods");
    const pod = template?.spec ?? {};
    const saName = pod.serviceAccountName;
    if (saName === undefined || saName === "default") {
      errors.push("serviceAccountName: must name its own ServiceAccount");
    } else {
      const sa = index.find("ServiceAccount", ns, saName);
      if (sa !== undefined && pod.automountServiceAccountToken !== false &&
          sa.automountServiceAccountToken !== false)
        errors.push("automountServiceAccountToken must be false (pod or ServiceAccount)");
    }
  }
  if (obj.kind === "Deployment") {
    const scaled = index
      .ofKind("HorizontalPodAutoscaler", ns)
      .some((h) => h.spec?.scaleTargetRef?.kind === "Deployment" &&
        h.spec?.scaleTargetRef?.name === obj.metadata?.name);
    if (!scaled) errors.push("no HorizontalPodAutoscaler targets it");
  }
  if (obj.kind === "Service" && obj.spec?.selector !== undefined) {
    const pods = index
      .podTemplatesIn(ns)
      .filter((t) => selectorMatches(obj.spec.selector, t.metadata?.labels));
    const policies = index
      .ofKind("NetworkPolicy", ns)
      .filter((np) => !isEmptySelector(np.spec?.podSelector));
    if (pods.length > 0 &&
        !pods.every((t) => policies.some((np) => selectsLabels(np.spec.podSelector, t.metadata?.labels))))
      errors.push("its pods are selected by no NetworkPolicy of their own");
    const metrics = (obj.spec?.ports ?? []).find((p) => p.name === "metrics");
    if (metrics !== undefined) {
      const monitored = index
        .ofKind("ServiceMonitor", ns)
        .some((sm) => selectsLabels(sm.spec?.selector, obj.metadata?.labels) &&
          (sm.spec?.endpoints ?? []).some((e) => e.port === "metrics"));
      if (!monitored) errors.push("port metrics: no ServiceMonitor scrapes it");
    }
  }
  if (obj.kind === "ServiceMonitor") {
    const services = index
      .ofKind("Service", ns)
      .filter((svc) => selectsLabels(obj.spec?.selector, svc.metadata?.labels));
    if (services.length === 0) errors.push("spec.selector: matches no Service in this render");
    for (const [i, e] of (services.length > 0 ? obj.spec?.endpoints ?? [] : []).entries()) {
      if (e.port !== undefined &&
          !services.some((svc) => (svc.spec?.ports ?? []).some((p) => p.name === e.port)))
        errors.push(`spec.endpoints[${i}].port: no selected Service has a port "${e.port}"`);
    }
  }
  return errors;
}
