/*
 * A dossier's values as DS's champs: one object per visible field, typed as DS
 * types it. As DS does, a few types answer with their rich type only when the
 * query asks for it by a fragment (an address is a TextChamp to a query that
 * never names AddressChamp), so that old queries keep their shapes.
 */
import { visibleStableIds } from "../../conditions/index.ts";
import { displayValue, exportColumns, parisDateTime } from "../../fields/index.ts";
import type { AddressValue, CommuneValue, FieldDefinition, FieldValue, FileRef, RepetitionRow, Values } from "../../model.ts";
import { communeByCode, countryByCode, departementByCode, geoLookup, regionByCode } from "../../referentials/index.ts";
import type { DossierRow } from "../../store/dossiers.ts";
import { globalId, idOf } from "../ids.ts";
import type { ApiContext } from "./context.ts";
import { champDescriptorId } from "./demarche.ts";
import { dossierModel, fileModel, findVisibleDossier, type Model } from "./dossier.ts";

/** Types shown as TextChamp unless the query names their own type (DS's `has_fragment?`). */
const RICH_ON_REQUEST: Partial<Record<FieldDefinition["type"], string>> = {
  address: "AddressChamp",
  communes: "CommuneChamp",
  departements: "DepartementChamp",
  regions: "RegionChamp",
  pays: "PaysChamp",
  header_section: "HeaderSectionChamp",
  explication: "ExplicationChamp",
  drop_down_list: "DropDownListChamp",
};

const TYPENAMES: Partial<Record<FieldDefinition["type"], string>> = {
  checkbox: "CheckboxChamp",
  date: "DateChamp",
  dossier_link: "DossierLinkChamp",
  piece_justificative: "PieceJustificativeChamp",
  integer_number: "IntegerNumberChamp",
  decimal_number: "DecimalNumberChamp",
  siret: "SiretChamp",
  repetition: "RepetitionChamp",
  multiple_drop_down_list: "MultipleDropDownListChamp",
  linked_drop_down_list: "LinkedDropDownListChamp",
  civilite: "CiviliteChamp",
  rna: "RNAChamp",
};

function typename(field: FieldDefinition, fragments: ReadonlySet<string>): string {
  const rich = RICH_ON_REQUEST[field.type];
  if (rich) return fragments.has(rich) ? rich : "TextChamp";
  if (field.type === "yes_no") return fragments.has("YesNoChamp") ? "YesNoChamp" : "CheckboxChamp";
  if (field.type === "datetime") return fragments.has("DatetimeChamp") ? "DatetimeChamp" : "DateChamp";
  return TYPENAMES[field.type] ?? "TextChamp";
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const str = (v: unknown) => (typeof v === "string" ? v : "");

/** A wall-clock time in Europe/Paris (YYYY-MM-DDTHH:MM) as an instant. */
export function parisInstant(value: unknown): Date | null {
  const m = typeof value === "string" ? /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(value) : null;
  if (!m) return null;
  const guess = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0));
  const offset = (t: number) => Date.parse(`${parisDateTime(new Date(t)).dateTime}:00Z`) - t;
  let t = guess - offset(guess);
  t = guess - offset(t);
  return new Date(t);
}

function communeModel(code: string, postalCode?: string) {
  const c = communeByCode(code);
  return c ? { code: c.code, name: c.name, postalCode: postalCode || c.postalCodes[0] || null } : null;
}

function departementModel(code: string | undefined) {
  const d = code ? departementByCode(code) : undefined;
  return d ? { code: d.code, name: d.name } : null;
}

function addressModel(v: Partial<AddressValue>, label: string) {
  const commune = v.cityCode ? communeByCode(v.cityCode) : undefined;
  const departement = commune ? departementByCode(commune.departement) : undefined;
  const region = commune ? regionByCode(commune.region) : undefined;
  const country = v.country ? countryByCode(v.country) : undefined;
  return {
    label,
    type: "housenumber",
    streetAddress: str(v.street) || null,
    streetNumber: null,
    streetName: null,
    postalCode: str(v.postalCode),
    cityName: str(v.city),
    cityCode: str(v.cityCode),
    departmentCode: departement?.code ?? null,
    departmentName: departement?.name ?? null,
    regionCode: region?.code ?? null,
    regionName: region?.name ?? null,
    countryCode: v.country ?? null,
    countryName: country?.name.fr ?? null,
  };
}

function stringValue(field: FieldDefinition, value: FieldValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  switch (field.type) {
    case "checkbox":
    case "yes_no":
      return String(value === true);
    case "piece_justificative":
      return null;
    case "departements":
      return displayValue(field, value, "fr").replace("–", "-") || null;
    default:
      return displayValue(field, value, "fr") || null;
  }
}

const COLUMN_TYPES: Partial<Record<FieldDefinition["type"], string>> = {
  integer_number: "IntegerColumn",
  dossier_link: "IntegerColumn",
  decimal_number: "DecimalColumn",
  date: "DateColumn",
  datetime: "DateTimeColumn",
  checkbox: "BooleanColumn",
  yes_no: "BooleanColumn",
  drop_down_list: "EnumColumn",
  multiple_drop_down_list: "EnumsColumn",
  piece_justificative: "AttachmentsColumn",
};

function columns(field: FieldDefinition, value: FieldValue | undefined, files: () => Promise<Model[]>): Model[] {
  if (field.type === "repetition") return [];
  return exportColumns(field, value, "fr").map((cell, index) => {
    const kind = index === 0 ? (COLUMN_TYPES[field.type] ?? "TextColumn") : "TextColumn";
    const base = {
      __typename: kind,
      id: globalId("Column", `${field.stableId}/${index}`),
      label: cell.header.fr,
      stringValue: cell.value === null ? null : String(cell.value),
    };
    switch (kind) {
      case "IntegerColumn":
        return { ...base, value: typeof value === "number" ? String(value) : null };
      case "DecimalColumn":
        return { ...base, value: typeof value === "number" ? value : null };
      case "DateColumn":
        return { ...base, value: typeof value === "string" ? value : null };
      case "DateTimeColumn":
        return { ...base, value: parisInstant(value) };
      case "BooleanColumn":
        return { ...base, value: typeof value === "boolean" ? value : null };
      case "EnumsColumn":
        return { ...base, value: Array.isArray(value) ? value : null };
      case "AttachmentsColumn":
        return { ...base, value: files };
      default:
        return { ...base, value: base.stringValue };
    }
  });
}

interface ChampMeta {
  dossier: DossierRow;
  updatedAt: Date;
  prefill: Values | undefined;
  /** The visibility of repetition rows' children. */
  rows: Map<string, Set<number>>;
}

function champModel(ctx: ApiContext, field: FieldDefinition, value: FieldValue | undefined, meta: ChampMeta, rowId?: string): Model {
  const type = typename(field, ctx.fragments);
  const key = String(field.stableId);
  const prefilled = !rowId && meta.prefill !== undefined && Object.hasOwn(meta.prefill, key);
  const files = async (): Promise<Model[]> => {
    const refs = Array.isArray(value) ? (value as FileRef[]).filter((f) => isRecord(f) && typeof f.id === "string") : [];
    const infos = await Promise.all(refs.map((f) => ctx.load.file(f.id)));
    return infos.filter((f) => f !== undefined).map((f) => fileModel(f, ctx));
  };
  const record: Record<string, unknown> = isRecord(value) ? value : {};
  const text = stringValue(field, value);
  const model: Model = {
    __typename: type,
    id: globalId("Champ", rowId ? `${field.stableId}|${rowId}` : field.stableId),
    champDescriptorId: champDescriptorId(field.stableId),
    label: field.label,
    stringValue: text,
    updatedAt: meta.updatedAt,
    prefilled,
    prefilledValueModified: prefilled && JSON.stringify(meta.prefill?.[key]) !== JSON.stringify(value),
    columns: () => columns(field, value, files),
    level: field.options?.level ?? 1,
    geoAreas: [],
    epci: null,
    rnf: null,
    etablissement: null,
    engagementJuridique: null,
  };
  switch (type) {
    case "TextChamp":
      model.value = typeof value === "string" && field.type !== "address" ? value : text;
      break;
    case "CheckboxChamp":
      model.value = value === true;
      break;
    case "YesNoChamp":
      model.value = typeof value === "boolean" ? value : null;
      break;
    case "CiviliteChamp":
      model.value = value === "M." ? "M" : value === "Mme" ? "Mme" : null;
      break;
    case "DateChamp":
      model.date = typeof value === "string" ? value.slice(0, 10) : null;
      model.value = parisInstant(value);
      break;
    case "DatetimeChamp":
      model.datetime = parisInstant(value);
      break;
    case "DecimalNumberChamp":
      model.value = typeof value === "number" ? value : null;
      break;
    case "IntegerNumberChamp":
      model.value = typeof value === "number" ? String(value) : null;
      break;
    case "DropDownListChamp":
      model.value = typeof value === "string" ? value : null;
      break;
    case "MultipleDropDownListChamp":
      model.values = Array.isArray(value) ? value.filter((v) => typeof v === "string") : [];
      break;
    case "LinkedDropDownListChamp":
      model.primaryValue = str(record.primary) || null;
      model.secondaryValue = str(record.secondary) || null;
      break;
    case "PieceJustificativeChamp":
      model.files = files;
      model.file = async () => (await files())[0] ?? null;
      break;
    case "RepetitionChamp": {
      const rows = (Array.isArray(value) ? (value as RepetitionRow[]) : []).filter((r) => isRecord(r) && typeof r.rowId === "string");
      const rowModels = rows.map((r) => {
        const shown = meta.rows.get(r.rowId);
        const values: Values = isRecord(r.values) ? r.values : {};
        return {
          id: globalId("Row", r.rowId),
          champs: (field.children ?? [])
            .filter((c) => shown?.has(c.stableId) ?? true)
            .map((c) => champModel(ctx, c, values[String(c.stableId)], meta, r.rowId)),
        };
      });
      model.rows = rowModels;
      model.champs = rowModels.flatMap((r) => r.champs);
      break;
    }
    case "AddressChamp": {
      const address = record as Partial<AddressValue>;
      model.address = value === undefined ? null : addressModel(address, text ?? "");
      model.commune = address.cityCode ? communeModel(address.cityCode, address.postalCode) : null;
      model.departement = address.cityCode ? departementModel(communeByCode(address.cityCode)?.departement) : null;
      break;
    }
    case "CommuneChamp": {
      const commune = record as Partial<CommuneValue>;
      model.commune = commune.code ? communeModel(commune.code, commune.postalCode) : null;
      model.departement = commune.code ? departementModel(communeByCode(commune.code)?.departement) : null;
      break;
    }
    case "DepartementChamp":
      model.departement = departementModel(typeof value === "string" ? value : undefined);
      break;
    case "RegionChamp": {
      const r = typeof value === "string" ? regionByCode(value) : undefined;
      model.region = r ? { code: r.code, name: r.name } : null;
      break;
    }
    case "PaysChamp": {
      const c = typeof value === "string" ? countryByCode(value) : undefined;
      model.pays = c ? { code: c.code, name: c.name.fr } : null;
      break;
    }
    case "RNAChamp":
      model.rna = typeof value === "string" ? { id: value, title: null, address: null } : null;
      model.commune = null;
      model.departement = null;
      break;
    case "DossierLinkChamp":
      model.dossier = async () => {
        if (typeof value !== "number") return null;
        const linked = await findVisibleDossier(ctx, String(value));
        return linked ? dossierModel(linked, ctx) : null;
      };
      break;
  }
  return model;
}

/** The champs (or annotations) of a dossier: the visible ones, or the one of id `wanted` (DS's champs(id:)). */
export async function champModels(
  ctx: ApiContext,
  dossier: DossierRow,
  fields: readonly FieldDefinition[],
  values: Values,
  o: { annotations: boolean; wanted?: string | null | undefined; all?: boolean },
): Promise<Model[]> {
  const conditionValues = o.annotations ? { ...dossier.values, ...dossier.annotations } : values;
  const visibility = visibleStableIds(fields, conditionValues, geoLookup);
  const meta: ChampMeta = {
    dossier,
    updatedAt: (o.annotations ? dossier.annotations_updated_at : dossier.values_updated_at) ?? dossier.created_at,
    prefill: o.annotations ? undefined : await ctx.load.prefill(String(dossier.id)),
    rows: visibility.rows,
  };
  const wanted = o.wanted == null ? undefined : idOf(o.wanted, "Champ");
  const chosen = o.all
    ? fields
    : o.wanted == null
      ? fields.filter((f) => visibility.stableIds.has(f.stableId))
      : fields.filter((f) => String(f.stableId) === wanted);
  return chosen.map((f) => champModel(ctx, f, values[String(f.stableId)], meta));
}
