/*
 * application/x-www-form-urlencoded bodies, as browsers send them without
 * JavaScript. A field sent once is a string, a field sent several times (check
 * boxes) is an array. Prototype keys are harmless: the result has no prototype.
 */
export type FormBody = Record<string, string | string[]>;

export const MAX_FORM_FIELDS = 1000;

export function parseForm(body: string): FormBody {
  const out: FormBody = Object.create(null);
  let count = 0;
  for (const [key, value] of new URLSearchParams(body)) {
    if (++count > MAX_FORM_FIELDS) throw new RangeError(`A form may not have more than ${MAX_FORM_FIELDS} fields`);
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[key] = [existing, value];
  }
  return out;
}

/** The single value of a form field (the first one if sent several times). */
export function formValue(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== "object") return undefined;
  const value = (body as Record<string, unknown>)[name];
  if (typeof value === "string") return value;
  if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  return undefined;
}
