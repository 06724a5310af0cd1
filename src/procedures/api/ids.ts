/*
 * demarches-simplifiees.fr's opaque ids: base64 of "<Type>-<id>" ("RG9zc2llci0xMjM="
 * is "Dossier-123"), so that a DS client's stored ids and id checks keep working.
 */

export function globalId(type: string, id: string | number): string {
  return Buffer.from(`${type}-${id}`, "utf8").toString("base64");
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The id inside a global id of `type`, or undefined when it is not one. */
export function idOf(value: unknown, type: string): string | undefined {
  if (typeof value !== "string" || value.length > 400 || !BASE64.test(value)) return undefined;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const prefix = `${type}-`;
  return decoded.startsWith(prefix) && decoded.length > prefix.length ? decoded.slice(prefix.length) : undefined;
}

/** A whole number id (a dossier, a group, an agent) inside a global id of `type`. */
export function numericIdOf(value: unknown, type: string): string | undefined {
  const id = idOf(value, type);
  return id !== undefined && /^\d{1,18}$/.test(id) ? id : undefined;
}
