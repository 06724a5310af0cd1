/*
 * A bounded memo for pure functions of a string that run on every request
 * (parsing the Cookie header, a MAC of a cookie, opening a sealed cookie): the
 * same browser sends the same value again and again. Oldest entries go first
 * once `max` are held. Values must be treated as read-only by callers.
 */
export function memoize<V>(max: number, compute: (key: string) => V): (key: string) => V {
  const memo = new Map<string, V>();
  return (key: string) => {
    if (memo.has(key)) return memo.get(key) as V;
    const value = compute(key);
    if (memo.size >= max) memo.delete(memo.keys().next().value as string);
    memo.set(key, value);
    return value;
  };
}
