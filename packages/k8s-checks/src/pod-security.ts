import { asList, type Fields } from './render.js';

/**
 * The Pod Security Standards' `restricted` profile (which includes
 * `baseline`), as Kubernetes' Pod Security Admission enforces it: the checks
 * read a pod template before the namespace label would refuse it at deploy.
 * Returns one line per violation; empty when the pod is admitted.
 */

const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SECCOMP_OK = new Set(['RuntimeDefault', 'Localhost']);

export function restrictedViolations(spec: Fields): string[] {
  const problems: string[] = [];
  const pod: Fields = spec.securityContext ?? {};
  const containers = ['initContainers', 'containers', 'ephemeralContainers'].flatMap((field) => asList(spec[field] ?? [], field));

  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[field] === true) problems.push(`${field} must be unset or false`);
  if (pod.windowsOptions?.hostProcess === true) problems.push('hostProcess must be unset or false');
  for (const volume of asList(spec.volumes ?? [], 'volumes')) {
    const type = Object.keys(volume).find((key) => key !== 'name');
    if (!type || !RESTRICTED_VOLUMES.has(type)) problems.push(`volume ${volume.name}: type ${type} is not allowed (only ${[...RESTRICTED_VOLUMES].join(', ')})`);
  }
  for (const sysctl of asList(pod.sysctls ?? [], 'sysctls')) if (!SAFE_SYSCTLS.has(String(sysctl.name))) problems.push(`sysctl ${sysctl.name} is not in the safe set`);
  if (pod.runAsUser === 0) problems.push('pod runAsUser must not be 0');
  if (pod.seccompProfile && !SECCOMP_OK.has(String(pod.seccompProfile.type))) problems.push(`pod seccompProfile ${pod.seccompProfile.type} is not RuntimeDefault or Localhost`);
  if (pod.seLinuxOptions && (pod.seLinuxOptions.user || pod.seLinuxOptions.role)) problems.push('pod seLinuxOptions user/role must be unset');

  for (const container of containers) {
    const where = `container ${container.name}`;
    const context: Fields = container.securityContext ?? {};
    if (context.privileged === true) problems.push(`${where}: privileged`);
    if (context.windowsOptions?.hostProcess === true) problems.push(`${where}: hostProcess`);
    if (context.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation must be false`);
    const runsAsNonRoot = context.runAsNonRoot ?? pod.runAsNonRoot;
    if (runsAsNonRoot !== true) problems.push(`${where}: runAsNonRoot must be true (on the pod or the container)`);
    if (context.runAsUser === 0) problems.push(`${where}: runAsUser must not be 0`);
    const seccomp: unknown = context.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (typeof seccomp !== 'string' || !SECCOMP_OK.has(seccomp)) problems.push(`${where}: seccompProfile must be RuntimeDefault or Localhost (on the pod or the container), got ${seccomp}`);
    const drop: string[] = context.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) problems.push(`${where}: capabilities must drop ALL`);
    for (const added of context.capabilities?.add ?? []) if (added !== 'NET_BIND_SERVICE') problems.push(`${where}: capability ${added} may not be added`);
    for (const port of container.ports ?? []) if (port.hostPort) problems.push(`${where}: hostPort ${port.hostPort}`);
    if (context.procMount && context.procMount !== 'Default') problems.push(`${where}: procMount ${context.procMount}`);
    const appArmor = context.appArmorProfile?.type;
    if (appArmor && appArmor === 'Unconfined') problems.push(`${where}: appArmorProfile Unconfined`);
    if (context.seLinuxOptions && (context.seLinuxOptions.user || context.seLinuxOptions.role)) problems.push(`${where}: seLinuxOptions user/role must be unset`);
  }
  return problems;
}

/** The namespace labels that make Pod Security Admission enforce, audit and warn on `restricted`. */
export const RESTRICTED_NAMESPACE_LABELS = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
} as const;
