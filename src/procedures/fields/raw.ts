/*
 * rawOfValue: the canonical input of a stored value, i.e. what the form shows
 * for it. Validating it gives the value back (a property the tests check for
 * every type), so a page can always re-submit what it displayed.
 */
import type { AddressValue, CommuneValue, FieldDefinition, FieldValue, FileRef, RepetitionRow } from "../model.ts";
import { communeByCode } from "../referentials/index.ts";
import { OTHER_CHOICE } from "./names.ts";
import { NO_INPUT } from "./parse.ts";
import type { RawInput, RawRow } from "./types.ts";
import { choicesOf } from "./validators/choices.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "number" && Number.isFinite(value) ? String(value) : "";
}

function parts(record: Record<string, string>): RawInput {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(record)) out[k] = v;
  return { kind: "parts", parts: out };
}

/** The input that displays `value` in the field (empty input for undefined). */
export function rawOfValue(field: FieldDefinition, value: FieldValue | undefined): RawInput {
  switch (field.type) {
    case "header_section":
    case "explication":
      return NO_INPUT;
    case "repetition": {
      const rows: RawRow[] = [];
      for (const row of Array.isArray(value) ? (value as RepetitionRow[]) : []) {
        if (!isRecord(row) || typeof row.rowId !== "string" || !isRecord(row.values)) continue;
        const values: Record<string, RawInput> = Object.create(null);
        for (const child of field.children ?? []) {
          const key = String(child.stableId);
          values[key] = rawOfValue(child, Object.hasOwn(row.values, key) ? row.values[key] : undefined);
        }
        rows.push({ rowId: row.rowId, values });
      }
      return { kind: "rows", rows };
    }
    case "piece_justificative":
      return { kind: "files", files: Array.isArray(value) ? (value as FileRef[]) : [] };
    case "checkbox":
      return { kind: "values", values: value === true ? ["false", "true"] : value === false ? ["false"] : [] };
    case "yes_no":
      return { kind: "value", value: value === true ? "true" : value === false ? "false" : "" };
    case "multiple_drop_down_list":
      return { kind: "values", values: Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [] };
    case "drop_down_list": {
      const selected = str(value);
      if (!field.options?.other) return { kind: "value", value: selected };
      const listed = selected === "" || choicesOf(field).includes(selected);
      return parts(listed ? { value: selected, other: "" } : { value: OTHER_CHOICE, other: selected });
    }
    case "linked_drop_down_list": {
      const linked: Record<string, unknown> = isRecord(value) ? value : {};
      return parts({ primary: str(linked.primary), secondary: str(linked.secondary) });
    }
    case "communes": {
      const commune = (isRecord(value) ? value : {}) as Partial<CommuneValue>;
      const name = typeof commune.code === "string" ? (communeByCode(commune.code)?.name ?? "") : "";
      return parts({ postalCode: str(commune.postalCode), name });
    }
    case "address": {
      const address = (isRecord(value) ? value : {}) as Partial<AddressValue>;
      return parts({
        street: str(address.street),
        postalCode: str(address.postalCode),
        city: str(address.city),
        country: str(address.country) || "FR",
      });
    }
    case "decimal_number":
      // The French decimal comma, as people type it here.
      return { kind: "value", value: str(value).replace(".", ",") };
    default:
      return { kind: "value", value: str(value) };
  }
}
