import { describe, expect, it } from 'vitest';
import { restrictedViolations } from './pod-security.js';

const compliant = {
  securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'app', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
  volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'kv', csi: { driver: 'secrets-store.csi.k8s.io' } }],
};

describe('restrictedViolations', () => {
  it('admits a pod that meets the restricted profile', () => {
    expect(restrictedViolations(compliant)).toEqual([]);
  });

  it('names each violation of a pod that could run as root with privileges', () => {
    const problems = restrictedViolations({
      hostNetwork: true,
      securityContext: { seccompProfile: { type: 'Unconfined' }, sysctls: [{ name: 'kernel.msgmax', value: '1' }] },
      initContainers: [{ name: 'init', securityContext: { runAsUser: 0, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      containers: [{ name: 'app', ports: [{ containerPort: 80, hostPort: 80 }], securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN'] } } }],
      volumes: [{ name: 'root', hostPath: { path: '/' } }],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'hostNetwork must be unset or false',
        expect.stringMatching(/^volume root: type hostPath is not allowed/),
        'sysctl kernel.msgmax is not in the safe set',
        'pod seccompProfile Unconfined is not RuntimeDefault or Localhost',
        'container init: runAsNonRoot must be true (on the pod or the container)',
        'container init: runAsUser must not be 0',
        'container app: privileged',
        'container app: allowPrivilegeEscalation must be false',
        'container app: capabilities must drop ALL',
        'container app: capability NET_ADMIN may not be added',
        'container app: hostPort 80',
      ]),
    );
  });

  it('takes runAsNonRoot and seccomp from the container when the pod leaves them out, and lets the container override', () => {
    const perContainer = {
      containers: [
        {
          name: 'app',
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' }, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
        },
      ],
    };
    expect(restrictedViolations(perContainer)).toEqual([]);
    const overridden = structuredClone(compliant);
    (overridden.containers[0]?.securityContext as Record<string, unknown>).runAsNonRoot = false;
    expect(restrictedViolations(overridden)).toEqual(['container app: runAsNonRoot must be true (on the pod or the container)']);
  });
});
