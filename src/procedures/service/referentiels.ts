/*
 * Reference lists ("référentiels") an administrator uploads as CSV for
 * `referentiel` fields: the first line names the columns, the first column is
 * the value kept in the dossier. The file is read as RFC 4180 (quotes, doubled
 * quotes, line breaks inside quotes), UTF-8 with or without BOM, separated by
 * ";" or "," (whichever the header line has more of).
 */
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "../../kernel/db/database.ts";
import { AppError } from "../../kernel/errors.ts";

export const REFERENTIEL_LIMITS = { rows: 50_000, columns: 50, cell: 1000, bytes: 10 * 1024 * 1024 };

const refuse = (fr: string, en: string) =>
  new AppError(400, "invalid_referentiel", en, { fields: [{ field: "fichier", message: en }], forPeople: { fr, en } });

/** The rows of a CSV text (each a list of cells). */
export function parseCsv(text: string): string[][] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const separator = separatorOf(body);
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  let i = 0;
  while (i < body.length) {
    const c = body[i] as string;
    if (quoted) {
      if (c === '"') {
        if (body[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else cell += c;
      i += 1;
      continue;
    }
    if (c === '"' && cell === "") quoted = true;
    else if (c === separator) {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      row.push(cell);
      cell = "";
      if (row.some((x) => x !== "")) rows.push(row);
      row = [];
      if (c === "\r" && body[i + 1] === "\n") i += 1;
    } else cell += c;
    i += 1;
  }
  if (quoted) throw refuse("Un guillemet n’est pas refermé dans le fichier.", "A quote is not closed in the file.");
  row.push(cell);
  if (row.some((x) => x !== "")) rows.push(row);
  return rows;
}

/** ";" or ",", whichever the header line has more of outside quoted cells (";" when as many). */
function separatorOf(body: string): ";" | "," {
  let semicolons = 0;
  let commas = 0;
  let quoted = false;
  for (const c of body) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === "\n" || c === "\r")) break;
    else if (!quoted && c === ";") semicolons += 1;
    else if (!quoted && c === ",") commas += 1;
  }
  return semicolons >= commas ? ";" : ",";
}

/** Checks and keeps an uploaded CSV as a referential of the procedure; returns its id. */
export async function storeReferentiel(db: Db, procedureId: string, name: string, bytes: Buffer): Promise<string> {
  const label = name.trim();
  if (!label || label.length > 120) {
    throw new AppError(400, "invalid_input", "name must have 1 to 120 characters", {
      fields: [{ field: "name", message: "must have 1 to 120 characters" }],
      forPeople: { fr: "Donnez au référentiel un nom de 1 à 120 caractères.", en: "Give the list a name of 1 to 120 characters." },
    });
  }
  if (bytes.length === 0) throw refuse("Choisissez un fichier CSV.", "Choose a CSV file.");
  if (bytes.length > REFERENTIEL_LIMITS.bytes) throw refuse("Le fichier dépasse 10 Mo.", "The file is larger than 10 MB.");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw refuse("Le fichier doit être enregistré en UTF-8.", "The file must be saved as UTF-8.");
  }
  const [header, ...rows] = parseCsv(text);
  if (!header || header.length === 0 || header.every((h) => !h.trim()))
    throw refuse("La première ligne doit nommer les colonnes.", "The first line must name the columns.");
  if (header.length > REFERENTIEL_LIMITS.columns) throw refuse("Au plus 50 colonnes.", "At most 50 columns.");
  if (rows.length === 0) throw refuse("Le fichier ne contient aucune ligne après les en-têtes.", "The file has no line after the headers.");
  if (rows.length > REFERENTIEL_LIMITS.rows) throw refuse("Au plus 50 000 lignes.", "At most 50,000 lines.");
  const columns = header.map((h, i) => h.trim() || `colonne ${i + 1}`);
  const clean = rows.map((r, n) => {
    if (r.some((c) => c.length > REFERENTIEL_LIMITS.cell))
      throw refuse(`Ligne ${n + 2} : une cellule dépasse 1 000 caractères.`, `Line ${n + 2}: a cell is longer than 1,000 characters.`);
    const out = columns.map((_, i) => (r[i] ?? "").trim());
    if (!out[0]) throw refuse(`Ligne ${n + 2} : la première colonne est vide.`, `Line ${n + 2}: the first column is empty.`);
    return out;
  });
  const id = randomUUID();
  await sql`insert into procedures.referentiels (id, procedure_id, name, columns, rows)
            values (${id}, ${procedureId}, ${label}, ${columns}::text[], ${JSON.stringify(clean)}::jsonb)`.execute(db);
  return id;
}

export async function listReferentiels(db: Db, procedureId: string) {
  const { rows } = await sql<{ id: string; name: string; columns: string[]; count: number }>`
    select id, name, columns, jsonb_array_length(rows)::int as count from procedures.referentiels
     where procedure_id = ${procedureId} order by created_at`.execute(db);
  return rows;
}
