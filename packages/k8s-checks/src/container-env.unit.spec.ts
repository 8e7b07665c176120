import { describe, expect, it } from 'vitest';
import { containerEnv, materialise } from './container-env.js';
import type { Fields, K8sObject } from './render.js';

const configMap = (name: string, data: Record<string, string>): K8sObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

describe('containerEnv', () => {
  const objects = [configMap('common-abc', { LOG_LEVEL: 'info', HUB: 'chat' }), configMap('svc-def', { LOG_LEVEL: 'debug' })];

  it('applies envFrom in order, then env, later definitions winning', () => {
    const env = containerEnv(objects, {
      envFrom: [{ configMapRef: { name: 'common-abc' } }, { configMapRef: { name: 'svc-def' } }],
      env: [
        { name: 'HUB', value: 'other' },
        { name: 'KEY', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        { name: 'OPTIONAL', valueFrom: { secretKeyRef: { name: 's', key: 'o', optional: true } } },
        { name: 'FROM_MAP', valueFrom: { configMapKeyRef: { name: 'common-abc', key: 'HUB' } } },
      ],
    } as Fields);
    expect(env.problems).toEqual([]);
    expect(Object.fromEntries(env.vars)).toEqual({
      LOG_LEVEL: { kind: 'configMap', configMap: 'svc-def', key: 'LOG_LEVEL', value: 'debug' },
      HUB: { kind: 'literal', value: 'other' },
      KEY: { kind: 'secret', secret: 's', key: 'k', optional: false },
      OPTIONAL: { kind: 'secret', secret: 's', key: 'o', optional: true },
      FROM_MAP: { kind: 'configMap', configMap: 'common-abc', key: 'HUB', value: 'chat' },
    });
    expect(materialise(env, { k: 'secret-value' })).toEqual({ LOG_LEVEL: 'debug', HUB: 'other', KEY: 'secret-value', FROM_MAP: 'chat' });
  });

  it('reports references the rendered objects cannot satisfy', () => {
    const env = containerEnv(objects, {
      envFrom: [{ configMapRef: { name: 'missing' } }, { secretRef: { name: 's' } }],
      env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'common-abc', key: 'NOPE' } } }],
    } as Fields);
    expect(env.problems).toHaveLength(3);
    expect(() => materialise(containerEnv([], { env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'unknown' } } }] } as Fields), {})).toThrow(
      /no stand-in/,
    );
  });
});
