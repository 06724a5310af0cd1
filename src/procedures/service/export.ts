/*
 * Exports of an agent's dossier list, as DS offers them: one line per dossier
 * with its facts (number, state, dates, applicant, group, decision), a column
 * or more per field and per private annotation; XLSX adds one sheet per
 * repetition block, one line per row. Columns are the union of the fields of
 * every revision the dossiers were filed on (latest label wins), so an old
 * dossier's answers are never dropped. Rows are read in batches from the
 * database while the writer streams them out.
 */
import type { Writable } from "node:stream";
import type { Db } from "../../kernel/db/database.ts";
import { NotFoundError } from "../../kernel/errors.ts";
import type { Locale } from "../../kernel/i18n/index.ts";
import { type Cell, calendarDate, type Sheet, writeCsv, writeJson, writeXlsx } from "../export/index.ts";
import { exportColumns, exportRowColumns } from "../fields/index.ts";
import type { FieldDefinition, FieldValue, RepetitionRow } from "../model.ts";
import { LAYOUT_TYPES } from "../model.ts";
import { type ExportedDossier, exportDossiers, type ListQuery, revisionsInUse } from "../store/dossiers.ts";
import type { ProcedureRow } from "../store/procedures.ts";
import { stateLabel } from "../transitions.ts";
import type { Revisions } from "./context.ts";

export type ExportFilter = Omit<ListQuery, "sort" | "after" | "limit">;

/** Fields by stable id across revisions, in the order of the latest revision, older-only fields after. */
async function unionOfFields(db: Db, revisions: Revisions, procedure: ProcedureRow) {
  const ids = await revisionsInUse(db, procedure.id);
  const latestFirst = [procedure.published_revision_id, ...ids.slice().reverse()].filter((id): id is string => Boolean(id));
  const fields = new Map<number, FieldDefinition>();
  const annotations = new Map<number, FieldDefinition>();
  for (const id of new Set(latestFirst)) {
    const definition = await revisions.definition(id);
    for (const f of definition.fields) if (!LAYOUT_TYPES.has(f.type) && !fields.has(f.stableId)) fields.set(f.stableId, f);
    for (const a of definition.annotations) if (!LAYOUT_TYPES.has(a.type) && !annotations.has(a.stableId)) annotations.set(a.stableId, a);
  }
  return { fields: [...fields.values()], annotations: [...annotations.values()] };
}

/** The dossier's own columns; the number always comes first, whatever the agent chose. */
export const FACTS: { key: string; fr: string; en: string; value: (d: ExportedDossier, locale: Locale) => Cell }[] = [
  { key: "numero", fr: "Numéro", en: "Number", value: (d) => Number(d.id) },
  { key: "etat", fr: "État", en: "State", value: (d, locale) => stateLabel(d.state)[locale] },
  { key: "depot", fr: "Déposé le", en: "Filed on", value: (d) => d.deposited_at },
  { key: "instruction", fr: "Passé en instruction le", en: "Review started on", value: (d) => d.en_instruction_at },
  { key: "traitement", fr: "Traité le", en: "Decided on", value: (d) => d.processed_at },
  { key: "modification", fr: "Mis à jour le", en: "Updated on", value: (d) => d.updated_at },
  { key: "prenom", fr: "Prénom", en: "Given name", value: (d) => d.given_name },
  { key: "nom", fr: "Nom", en: "Family name", value: (d) => d.family_name },
  { key: "email", fr: "Adresse électronique", en: "E-mail", value: (d) => d.email },
  { key: "groupe", fr: "Groupe instructeur", en: "Instructor group", value: (d) => d.group_label },
  { key: "motivation", fr: "Motivation de la décision", en: "Reasons for the decision", value: (d) => d.motivation },
  { key: "archive", fr: "Archivé", en: "Archived", value: (d) => d.archived },
];

/** What an agent may choose to export: the dossier's columns, the fields, the annotations, by key. */
export async function exportChoices(db: Db, revisions: Revisions, procedure: ProcedureRow) {
  const { fields, annotations } = await unionOfFields(db, revisions, procedure);
  return {
    facts: FACTS.map((f) => ({ key: f.key, label: { fr: f.fr, en: f.en } })),
    fields: fields.map((f) => ({ key: `champ-${f.stableId}`, label: f.label })),
    annotations: annotations.map((a) => ({ key: `annotation-${a.stableId}`, label: a.label })),
    blocks: fields.filter((f) => f.type === "repetition").map((f) => ({ stableId: f.stableId, label: f.label })),
  };
}

export interface ExportSelection {
  /** Column keys (exportChoices); undefined: all. */
  columns?: ReadonlySet<string> | undefined;
  /** A repetition block's stable id: its rows, one line each, instead of the dossiers. */
  block?: number | undefined;
}

function fieldCells(field: FieldDefinition, value: FieldValue | undefined, locale: Locale): Cell[] {
  return exportColumns(field, value, locale).map((c) => {
    if (field.type === "date" && typeof c.value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(c.value)) {
      try {
        return calendarDate(c.value);
      } catch {
        return c.value;
      }
    }
    return c.value;
  });
}

const headersOf = (field: FieldDefinition, locale: Locale, prefix = "") =>
  exportColumns(field, undefined, locale).map((c) => `${prefix}${c.header[locale]}`);

export async function exportList(
  db: Db,
  revisions: Revisions,
  procedure: ProcedureRow,
  filter: ExportFilter,
  format: "csv" | "xlsx" | "json",
  out: Writable,
  locale: Locale = "fr",
  selection: ExportSelection = {},
): Promise<void> {
  const all = await unionOfFields(db, revisions, procedure);
  const chosen = (key: string) => !selection.columns || selection.columns.has(key);
  const facts = FACTS.filter((f) => f.key === "numero" || chosen(f.key));
  const fields = all.fields.filter((f) => chosen(`champ-${f.stableId}`));
  const annotations = all.annotations.filter((a) => chosen(`annotation-${a.stableId}`));
  const annotationPrefix = locale === "fr" ? "Annotation : " : "Annotation: ";
  const blockSheet = (block: FieldDefinition): Sheet => ({
    name: block.label,
    columns: [
      locale === "fr" ? "Numéro du dossier" : "Dossier number",
      locale === "fr" ? "Ligne" : "Row",
      ...(block.children ?? []).filter((c) => !LAYOUT_TYPES.has(c.type)).flatMap((c) => headersOf(c, locale)),
    ],
    rows: (async function* () {
      for await (const d of exportDossiers(db, filter)) {
        const value = d.values[String(block.stableId)];
        if (!Array.isArray(value)) continue;
        let n = 0;
        for (const row of value as RepetitionRow[]) {
          n += 1;
          yield [Number(d.id), n, ...exportRowColumns(block, row, locale).map((c) => c.value)];
        }
      }
    })(),
  });

  const columns = [
    ...facts.map((f) => f[locale]),
    ...fields.flatMap((f) => headersOf(f, locale)),
    ...annotations.flatMap((a) => headersOf(a, locale, annotationPrefix)),
  ];
  async function* rows() {
    for await (const d of exportDossiers(db, filter)) {
      yield [
        ...facts.map((f) => f.value(d, locale)),
        ...fields.flatMap((f) => fieldCells(f, d.values[String(f.stableId)], locale)),
        ...annotations.flatMap((a) => fieldCells(a, d.annotations[String(a.stableId)], locale)),
      ];
    }
  }
  const main: Sheet = { name: locale === "fr" ? "Dossiers" : "Dossiers", columns, rows: rows() };
  if (selection.block !== undefined) {
    // a repeatable block's rows, one line each, for CSV and JSON (XLSX has them as extra sheets)
    const block = all.fields.find((f) => f.stableId === selection.block && f.type === "repetition");
    if (!block) throw new NotFoundError("block_not_found", `No repeatable block ${selection.block}`);
    const sheet = blockSheet(block);
    if (format === "csv") return writeCsv(sheet, out);
    if (format === "json") return writeJson(sheet, out);
    return writeXlsx([sheet], out, { creator: "Guichet" });
  }
  if (format === "csv") return writeCsv(main, out);
  if (format === "json") return writeJson(main, out);
  const blockSheets = fields.filter((f) => f.type === "repetition").map(blockSheet);
  return writeXlsx([main, ...blockSheets], out, { creator: "Guichet" });
}
