/*
 * Values checked against data outside the field: another dossier's number
 * (dossier_link) and a procedure's CSV referential (referentiel). Only
 * existence is checked: whether the person may refer to that dossier is the
 * procedures service's decision.
 */
import type { FieldDefinition } from "../../model.ts";
import { nameKey } from "../../referentials/index.ts";
import type { Validation, ValidationContext } from "../types.ts";
import { text } from "../types.ts";
import { accept, cleanLine, EMPTY, excerpt, quoteEn, quoteFr, reject } from "./common.ts";

export async function validateDossierLink(input: string, ctx: ValidationContext): Promise<Validation> {
  const typed = cleanLine(input)
    .replace(/^(?:dossier\s*)?(?:n[°o]\.?|#)\s*/i, "")
    .replace(/[\s\u00a0\u202f]/g, "");
  if (typed === "") return EMPTY;
  if (!/^\d{1,15}$/.test(typed) || Number(typed) === 0) {
    return reject(
      text(
        "Saisissez le numéro du dossier, un nombre entier, par exemple 123456. Il figure dans l’accusé de réception du dossier",
        "Enter the file number, a whole number, for example 123456. It is on the file’s acknowledgement of receipt",
      ),
    );
  }
  const number = Number(typed);
  if (!(await ctx.dossierExists(number))) {
    return reject(
      text(
        `Aucun dossier ne porte le numéro ${number} : vérifiez-le dans l’accusé de réception du dossier`,
        `No file has number ${number}: check it on the file’s acknowledgement of receipt`,
      ),
    );
  }
  return accept(number);
}

const unavailable = reject(
  text(
    "Ce champ ne peut pas être vérifié : sa liste de référence est introuvable. Contactez l’administration qui gère la démarche",
    "This field cannot be checked: its reference list is missing. Contact the administration running this procedure",
  ),
);

export async function validateReferentiel(field: FieldDefinition, input: string, ctx: ValidationContext): Promise<Validation> {
  const typed = cleanLine(input);
  if (typed === "") return EMPTY;
  const id = field.options?.referentielId;
  if (!id) return unavailable;
  const table = await ctx.referentiel(id);
  if (!table) return unavailable;
  const values = table.rows.map((row) => row[0]).filter((v): v is string => typeof v === "string" && v !== "");
  const exact = values.find((v) => v === typed) ?? values.find((v) => cleanLine(v) === typed);
  if (exact !== undefined) return accept(exact);
  // "75-056" or "paris" for "75056" / "Paris": one value only, or it is ambiguous.
  const key = nameKey(typed);
  const loose = key === "" ? [] : values.filter((v) => nameKey(v) === key);
  if (loose.length === 1) return accept(loose[0] as string);
  const shown = excerpt(typed);
  return reject(
    text(
      `${quoteFr(shown)} ne fait pas partie des valeurs acceptées : vérifiez votre saisie`,
      `${quoteEn(shown)} is not one of the accepted values: check what you entered`,
    ),
  );
}
