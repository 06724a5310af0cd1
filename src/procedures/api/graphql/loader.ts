/*
 * A batch loader (the DataLoader pattern, in a few lines): the keys asked for
 * while one list of results resolves are fetched together, in one query, so a
 * page of 100 dossiers asking each for its messages costs one query, not 100.
 * One loader lives for one request; its cache is that request's.
 */
export type Batch<K, V> = (keys: readonly K[]) => Promise<Map<K, V>>;

export function createLoader<K, V>(batch: Batch<K, V>, missing: () => V): (key: K) => Promise<V> {
  const cache = new Map<K, Promise<V>>();
  let queue: { key: K; resolve: (v: V) => void; reject: (e: unknown) => void }[] = [];
  let scheduled = false;

  function dispatch() {
    scheduled = false;
    const jobs = queue;
    queue = [];
    batch([...new Set(jobs.map((j) => j.key))]).then(
      (found) => {
        for (const j of jobs) j.resolve(found.has(j.key) ? (found.get(j.key) as V) : missing());
      },
      (err: unknown) => {
        for (const j of jobs) {
          cache.delete(j.key);
          j.reject(err);
        }
      },
    );
  }

  return (key: K) => {
    const hit = cache.get(key);
    if (hit) return hit;
    const promise = new Promise<V>((resolve, reject) => queue.push({ key, resolve, reject }));
    cache.set(key, promise);
    if (!scheduled) {
      scheduled = true;
      // after the promises already settled have run their callbacks: siblings of a list enqueue first
      Promise.resolve().then(() => process.nextTick(dispatch));
    }
    return promise;
  };
}

/** Groups rows by a key, for batches answering a list per key. */
export function groupBy<K, R>(rows: readonly R[], key: (r: R) => K): Map<K, R[]> {
  const out = new Map<K, R[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}
