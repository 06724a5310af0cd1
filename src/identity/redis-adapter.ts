/*
 * oidc-provider's storage on Redis, used instead of PostgreSQL when REDIS_URL
 * is set (sessions and tokens are short-lived and hot: Redis expires them by
 * itself). Each artefact is a hash {payload, consumed} with the artefact's TTL;
 * small sets index artefacts by grant (for revocation) and keys by uid and user
 * code. Clients still come from the SP registry in PostgreSQL.
 */
import type { Redis } from "ioredis";
import { type Adapter, type AdapterPayload, errors } from "oidc-provider";
import type { ClientLookup } from "./adapter.ts";

/** 1 when the artefact existed and was not consumed yet (it is now), 0 or -1 otherwise. */
const CONSUME = `if redis.call('exists', KEYS[1]) == 0 then return -1 end
return redis.call('hsetnx', KEYS[1], 'consumed', ARGV[1])`;

export function createRedisAdapterFactory(redis: Redis, provider: string, findClient?: ClientLookup) {
  return (model: string): Adapter => {
    const key = (id: string) => `guichet:oidc:${provider}:${model}:${id}`;
    const grantKey = (grantId: string) => `guichet:oidc:${provider}:${model}:grant:${grantId}`;
    const lookupKey = (kind: "uid" | "usercode", value: string) => `guichet:oidc:${provider}:${model}:${kind}:${value}`;

    async function read(k: string): Promise<AdapterPayload | undefined> {
      const [payload, consumed] = await redis.hmget(k, "payload", "consumed");
      if (!payload) return undefined;
      const data = JSON.parse(payload) as AdapterPayload;
      return consumed ? { ...data, consumed: Number(consumed) } : data;
    }

    return {
      async upsert(id, payload, expiresIn) {
        if (model === "Client") return;
        const k = key(id);
        const tx = redis.multi().del(k).hset(k, "payload", JSON.stringify(payload));
        if (expiresIn) tx.expire(k, expiresIn);
        if (payload.grantId) {
          tx.rpush(grantKey(payload.grantId), k);
          // The index lives as long as the longest artefact of the grant.
          if (expiresIn) tx.expire(grantKey(payload.grantId), expiresIn, "NX").expire(grantKey(payload.grantId), expiresIn, "GT");
        }
        for (const [kind, value] of [
          ["uid", payload.uid],
          ["usercode", payload.userCode],
        ] as const) {
          if (!value) continue;
          tx.set(lookupKey(kind, value), id);
          if (expiresIn) tx.expire(lookupKey(kind, value), expiresIn);
        }
        await tx.exec();
      },
      async find(id) {
        if (model === "Client") return (await findClient?.(id)) as AdapterPayload | undefined;
        return read(key(id));
      },
      async findByUid(uid) {
        const id = await redis.get(lookupKey("uid", uid));
        return id ? read(key(id)) : undefined;
      },
      async findByUserCode(userCode) {
        const id = await redis.get(lookupKey("usercode", userCode));
        return id ? read(key(id)) : undefined;
      },
      async consume(id) {
        // Atomically, and only an existing artefact (HSET on a missing key would create one
        // without TTL): of two requests racing to redeem one code, the second is refused.
        const marked = await redis.eval(CONSUME, 1, key(id), String(Math.floor(Date.now() / 1000)));
        if (marked !== 1) throw new errors.InvalidGrant(`${model} already used or expired`);
      },
      async destroy(id) {
        await redis.del(key(id));
      },
      async revokeByGrantId(grantId) {
        const keys = await redis.lrange(grantKey(grantId), 0, -1);
        await redis.del(...keys, grantKey(grantId));
      },
    };
  };
}
