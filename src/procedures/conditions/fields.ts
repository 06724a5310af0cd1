/* Which fields an expression may name, for each of its three uses. */
import type { FieldDefinition } from "../model.ts";

const indexes = new WeakMap<readonly FieldDefinition[], ReadonlyMap<number, FieldDefinition>>();

/**
 * Every field of a list by stable id, repetition children included (as `evaluate` wants them). The index of a
 * frozen list (a published revision's, see service/context.ts) is made once.
 */
export function indexFields(fields: readonly FieldDefinition[]): ReadonlyMap<number, FieldDefinition> {
  if (!Object.isFrozen(fields)) return buildIndex(fields);
  let index = indexes.get(fields);
  if (!index) {
    index = buildIndex(fields);
    indexes.set(fields, index);
  }
  return index;
}

function buildIndex(fields: readonly FieldDefinition[]): Map<number, FieldDefinition> {
  const index = new Map<number, FieldDefinition>();
  const add = (list: readonly FieldDefinition[]) => {
    for (const field of list) {
      if (!index.has(field.stableId)) index.set(field.stableId, field);
      if (field.children) add(field.children);
    }
  };
  add(fields);
  return index;
}

/**
 * The fields the visibility condition of field `stableId` may refer to: the
 * top-level fields before it, and for a field inside a repetition, the
 * top-level fields before the repetition and the earlier fields of the same
 * row. Children of other repetitions are never available (which row would it
 * be?). Undefined when no field has this stable id.
 */
export function fieldsAvailableTo(fields: readonly FieldDefinition[], stableId: number): FieldDefinition[] | undefined {
  for (const [position, field] of fields.entries()) {
    if (field.stableId === stableId) return fields.slice(0, position);
    const children = field.children ?? [];
    const childPosition = children.findIndex((child) => child.stableId === stableId);
    if (childPosition >= 0) return [...fields.slice(0, position), ...children.slice(0, childPosition)];
  }
  return undefined;
}
