/*
 * Choices: civility, check box, yes/no, lists. The values come from radios,
 * check boxes and selects, so an unknown value means a stale page or a
 * tampered form: the message asks to choose again.
 */
import type { FieldDefinition } from "../../model.ts";
import { OTHER_CHOICE } from "../names.ts";
import type { RawInput, Validation } from "../types.ts";
import { text } from "../types.ts";
import { accept, cleanLine, EMPTY, excerpt, many, part, quoteEn, quoteFr, reject, single } from "./common.ts";
import { validateText } from "./texts.ts";

export const CIVILITES = ["Mme", "M."] as const;

const chooseFromList = reject(text("Choisissez une réponse dans la liste", "Choose an answer from the list"));

export function validateCivilite(raw: RawInput): Validation {
  const value = cleanLine(single(raw));
  if (value === "") return EMPTY;
  const key = value.toLowerCase().replace(/\.$/, "");
  if (key === "mme" || key === "madame") return accept("Mme");
  if (key === "m" || key === "monsieur") return accept("M.");
  return reject(text("Choisissez «\u00a0Madame\u00a0» ou «\u00a0Monsieur\u00a0»", "Choose “Madame” or “Monsieur”"));
}

const TRUE_VALUES = new Set(["true", "on", "1"]);

/** A check box posts a hidden "false" followed, when ticked, by "true". */
export function validateCheckbox(raw: RawInput): Validation {
  const values = many(raw).map((v) => cleanLine(v).toLowerCase());
  if (values.some((v) => TRUE_VALUES.has(v))) return accept(true);
  if (values.includes("false")) return accept(false);
  if (values.every((v) => v === "")) return EMPTY;
  return reject(text("Cochez la case, ou laissez-la vide", "Tick the box, or leave it empty"));
}

export function validateYesNo(raw: RawInput): Validation {
  const value = cleanLine(single(raw)).toLowerCase();
  if (value === "") return EMPTY;
  if (value === "true" || value === "oui") return accept(true);
  if (value === "false" || value === "non") return accept(false);
  return reject(text("Répondez par Oui ou par Non", "Answer Yes or No"));
}

export function choicesOf(field: FieldDefinition): readonly string[] {
  return (field.options?.choices ?? []).filter((c) => typeof c === "string" && c !== "");
}

/** The listed choice matching `value` exactly, or else once trimmed. */
function findChoice(choices: readonly string[], value: string): string | undefined {
  if (choices.includes(value)) return value;
  const trimmed = cleanLine(value);
  return choices.find((c) => cleanLine(c) === trimmed);
}

export function validateDropDown(field: FieldDefinition, raw: RawInput): Validation {
  const choices = choicesOf(field);
  const selected = part(raw, "value") || single(raw);
  if (cleanLine(selected) === "") return EMPTY;
  if (field.options?.other && selected === OTHER_CHOICE) {
    const other = validateText(part(raw, "other"));
    if (!other.ok) return { ...other, part: "other" };
    if (other.value === undefined) {
      return reject(text("Précisez votre réponse dans le champ «\u00a0Autre\u00a0»", "Give your answer in the “Other” box"), "other");
    }
    const typed = other.value as string;
    return accept(findChoice(choices, typed) ?? typed);
  }
  const choice = findChoice(choices, selected);
  return choice === undefined ? chooseFromList : accept(choice);
}

export function validateMultipleChoice(field: FieldDefinition, raw: RawInput): Validation {
  const choices = choicesOf(field);
  const chosen = new Set<string>();
  for (const value of many(raw)) {
    if (cleanLine(value) === "") continue;
    const choice = findChoice(choices, value);
    if (choice === undefined) {
      const shown = excerpt(cleanLine(value));
      return reject(
        text(
          `La réponse ${quoteFr(shown)} ne fait pas partie des choix proposés : cochez les réponses dans la liste`,
          `The answer ${quoteEn(shown)} is not one of the choices: tick answers from the list`,
        ),
      );
    }
    chosen.add(choice);
  }
  // Stored in the order of the list, each choice once.
  const value = choices.filter((c) => chosen.has(c));
  return value.length === 0 ? EMPTY : accept(value);
}

export function linkedLabels(field: FieldDefinition): { primary: string; secondary: string } {
  return {
    primary: field.options?.primaryLabel?.trim() || field.label,
    secondary: field.options?.secondaryLabel?.trim() || field.label,
  };
}

export function validateLinked(field: FieldDefinition, raw: RawInput): Validation {
  const lists = (field.options?.linkedChoices ?? []).filter((l) => typeof l?.label === "string" && l.label !== "");
  const labels = linkedLabels(field);
  let primary = cleanLine(part(raw, "primary"));
  const secondary = cleanLine(part(raw, "secondary"));
  if (primary === "" && secondary === "") return EMPTY;
  if (primary === "") {
    // Without JavaScript both menus come at once: a secondary choice found under one primary only says which.
    const owners = lists.filter((l) => l.secondary.some((s) => cleanLine(s) === secondary));
    if (owners.length !== 1) {
      return reject(
        text(
          `Choisissez d’abord une réponse dans la liste ${quoteFr(labels.primary)}`,
          `First choose an answer from the list ${quoteEn(labels.primary)}`,
        ),
        "primary",
      );
    }
    primary = owners[0]?.label ?? "";
  }
  const list = lists.find((l) => l.label === primary) ?? lists.find((l) => cleanLine(l.label) === primary);
  if (!list) {
    return reject(
      text(`Choisissez une réponse dans la liste ${quoteFr(labels.primary)}`, `Choose an answer from the list ${quoteEn(labels.primary)}`),
      "primary",
    );
  }
  const options = list.secondary.filter((s) => typeof s === "string" && s !== "");
  if (options.length === 0) return accept({ primary: list.label, secondary: "" });
  if (secondary === "") {
    return reject(
      text(
        `Choisissez aussi une réponse dans la liste ${quoteFr(labels.secondary)}`,
        `Also choose an answer from the list ${quoteEn(labels.secondary)}`,
      ),
      "secondary",
    );
  }
  const found = options.find((s) => s === secondary) ?? options.find((s) => cleanLine(s) === secondary);
  if (found === undefined) {
    return reject(
      text(
        `${quoteFr(excerpt(secondary))} ne correspond pas à ${quoteFr(list.label)} : choisissez une réponse proposée pour ${quoteFr(list.label)}`,
        `${quoteEn(excerpt(secondary))} does not go with ${quoteEn(list.label)}: choose an answer offered for ${quoteEn(list.label)}`,
      ),
      "secondary",
    );
  }
  return accept({ primary: list.label, secondary: found });
}
