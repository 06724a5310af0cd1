/*
 * The named inputs of composite fields. "value" stands for the field's own
 * name (champs[12]): a drop_down_list with "other" posts its choice there and
 * the free text under champs[12][other].
 */
import type { FieldDefinition } from "../model.ts";

export const ADDRESS_PARTS = ["street", "postalCode", "city", "country"] as const;
export const COMMUNE_PARTS = ["postalCode", "name"] as const;
export const LINKED_PARTS = ["primary", "secondary"] as const;
export const OTHER_PARTS = ["value", "other"] as const;

/** The parts of a composite field, or undefined for a field with one input. */
export function fieldParts(field: FieldDefinition): readonly string[] | undefined {
  switch (field.type) {
    case "address":
      return ADDRESS_PARTS;
    case "communes":
      return COMMUNE_PARTS;
    case "linked_drop_down_list":
      return LINKED_PARTS;
    case "drop_down_list":
      return field.options?.other ? OTHER_PARTS : undefined;
    default:
      return undefined;
  }
}
