import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  readonly payload: AdapterPayload;
  readonly expiresAt: number;
}

/**
 * Sessions, grants, codes and tokens of one provider, in memory: a restart
 * signs everyone out (the keys stay, see keys.ts). One store per provider
 * instance, so two providers in one test process never share state, and
 * oidc-provider's own development adapter (and its start-up warning) is not used.
 */
export function createMemoryAdapterFactory(): (model: string) => Adapter {
  const entries = new Map<string, Entry>();
  const byGrant = new Map<string, Set<string>>();
  const index = new Map<string, string>();
  const key = (model: string, id: string) => `${model}:${id}`;
  const live = (k: string | undefined): AdapterPayload | undefined => {
    const entry = k ? entries.get(k) : undefined;
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      entries.delete(k as string);
      return undefined;
    }
    return entry.payload;
  };
  return (model) => ({
    async upsert(id, payload, expiresIn) {
      const k = key(model, id);
      // No expiresIn: the model does not expire (oidc-provider passes none for some, e.g. a client).
      entries.set(k, { payload, expiresAt: expiresIn === undefined ? Number.POSITIVE_INFINITY : Date.now() + expiresIn * 1000 });
      if (payload.grantId) byGrant.set(payload.grantId, (byGrant.get(payload.grantId) ?? new Set()).add(k));
      if (payload.uid) index.set(key(`${model}/uid`, payload.uid), k);
      if (payload.userCode) index.set(key(`${model}/userCode`, payload.userCode), k);
    },
    async find(id) {
      return live(key(model, id));
    },
    async findByUid(uid) {
      return live(index.get(key(`${model}/uid`, uid)));
    },
    async findByUserCode(userCode) {
      return live(index.get(key(`${model}/userCode`, userCode)));
    },
    async consume(id) {
      const entry = entries.get(key(model, id));
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id) {
      entries.delete(key(model, id));
    },
    async revokeByGrantId(grantId) {
      for (const k of byGrant.get(grantId) ?? []) entries.delete(k);
      byGrant.delete(grantId);
    },
  });
}
