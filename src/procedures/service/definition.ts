/*
 * Checking what an administrator builds: each field's options make sense for its
 * type (choices for a drop-down, bounds in order, a safe regular expression, a
 * referential that exists…), stable ids are unique, and every condition, the
 * eligibility rule and the routing rules pass the condition engine's checks.
 * Problems come with the path of the thing at fault and a message in French and
 * English; publishing is refused while there are any.
 */
import { atPath, checkRevision, type ExpressionProblem } from "../conditions/index.ts";
import { checkPattern } from "../fields/index.ts";
import {
  FIELD_TYPES,
  FILE_KINDS,
  type FieldDefinition,
  LAYOUT_TYPES,
  PREFILL_SOURCES,
  type RevisionDefinition,
  type Text,
} from "../model.ts";
import { geoLookup } from "../referentials/index.ts";

export type DefinitionProblem = ExpressionProblem;

const problem = (path: string, fr: string, en: string): DefinitionProblem => ({ path, message: { fr, en } as Text });

const MAX_FIELDS = 500;
const MAX_CHOICES = 2000;

function checkField(field: FieldDefinition, path: string, referentielIds: ReadonlySet<string>, inRow: boolean): DefinitionProblem[] {
  const out: DefinitionProblem[] = [];
  const o = field.options ?? {};
  const label = field.label?.trim() ?? "";
  if (!FIELD_TYPES.includes(field.type))
    out.push(problem(`${path}.type`, `Type de champ inconnu : ${field.type}.`, `Unknown field type: ${field.type}.`));
  if (!Number.isSafeInteger(field.stableId) || field.stableId <= 0)
    out.push(problem(`${path}.stableId`, "Identifiant stable invalide.", "Invalid stable id."));
  if (label.length === 0 && field.type !== "explication")
    out.push(problem(`${path}.label`, "Donnez un libellé au champ.", "Give the field a label."));
  if (label.length > 300)
    out.push(problem(`${path}.label`, "Le libellé dépasse 300 caractères.", "The label is longer than 300 characters."));
  if ((field.description?.length ?? 0) > 10_000)
    out.push(
      problem(`${path}.description`, "La description dépasse 10 000 caractères.", "The description is longer than 10,000 characters."),
    );
  if (LAYOUT_TYPES.has(field.type) && field.mandatory)
    out.push(
      problem(`${path}.mandatory`, "Un élément de mise en page ne peut pas être obligatoire.", "A layout element cannot be mandatory."),
    );

  const choices = o.choices ?? [];
  if (field.type === "drop_down_list" || field.type === "multiple_drop_down_list") {
    if (choices.length === 0)
      out.push(problem(`${path}.options.choices`, "Indiquez au moins un choix, un par ligne.", "Give at least one choice, one per line."));
    if (choices.length > MAX_CHOICES)
      out.push(problem(`${path}.options.choices`, `Au plus ${MAX_CHOICES} choix.`, `At most ${MAX_CHOICES} choices.`));
    if (new Set(choices).size !== choices.length)
      out.push(problem(`${path}.options.choices`, "Un même choix apparaît deux fois.", "A choice appears twice."));
    if (choices.some((c) => c.trim() === "" || c.length > 300))
      out.push(
        problem(
          `${path}.options.choices`,
          "Chaque choix doit avoir entre 1 et 300 caractères.",
          "Each choice must have 1 to 300 characters.",
        ),
      );
  }
  if (field.type === "linked_drop_down_list") {
    const linked = o.linkedChoices ?? [];
    if (linked.length === 0 || linked.some((l) => !l.label?.trim() || (l.secondary ?? []).length === 0)) {
      out.push(
        problem(
          `${path}.options.linkedChoices`,
          "Chaque choix principal doit avoir au moins un choix secondaire.",
          "Each primary choice needs at least one secondary choice.",
        ),
      );
    }
  }
  if ((field.type === "integer_number" || field.type === "decimal_number") && o.min !== undefined && o.max !== undefined && o.min > o.max) {
    out.push(problem(`${path}.options.min`, "Le minimum dépasse le maximum.", "The minimum is above the maximum."));
  }
  if (field.type === "textarea" && o.characterLimit !== undefined && (!Number.isSafeInteger(o.characterLimit) || o.characterLimit < 1)) {
    out.push(
      problem(
        `${path}.options.characterLimit`,
        "La limite de caractères doit être un nombre entier positif.",
        "The character limit must be a positive whole number.",
      ),
    );
  }
  if (field.type === "formatted") {
    const format = o.format;
    if (!format) out.push(problem(`${path}.options.format`, "Choisissez les règles du format.", "Choose the format's rules."));
    else if (format.mode === "advanced") {
      const unsafe = checkPattern(format.pattern ?? "");
      if (unsafe) out.push({ path: `${path}.options.format.pattern`, message: unsafe });
    } else if (!format.letters && !format.digits && !format.specialCharacters) {
      out.push(
        problem(
          `${path}.options.format`,
          "Autorisez au moins les lettres, les chiffres ou les caractères spéciaux.",
          "Allow at least letters, digits or special characters.",
        ),
      );
    } else if (format.minLength !== undefined && format.maxLength !== undefined && format.minLength > format.maxLength) {
      out.push(
        problem(
          `${path}.options.format.minLength`,
          "La longueur minimale dépasse la maximale.",
          "The minimum length is above the maximum.",
        ),
      );
    }
  }
  if (field.type === "date" || field.type === "datetime") {
    const r = o.dateRange;
    if (r?.notBefore && r.notAfter && r.notBefore > r.notAfter)
      out.push(problem(`${path}.options.dateRange`, "La date de début est après la date de fin.", "The start date is after the end date."));
    if (r?.pastOnly && r.futureOnly)
      out.push(
        problem(
          `${path}.options.dateRange`,
          "Une date ne peut pas être à la fois passée et future.",
          "A date cannot be both past and future.",
        ),
      );
  }
  if (field.type === "piece_justificative") {
    if (o.maxBytes !== undefined && (o.maxBytes < 1024 || o.maxBytes > 200 * 1024 * 1024)) {
      out.push(
        problem(
          `${path}.options.maxBytes`,
          "La taille maximale doit être comprise entre 1 Ko et 200 Mo.",
          "The maximum size must be between 1 KB and 200 MB.",
        ),
      );
    }
    if (o.maxFiles !== undefined && (o.maxFiles < 1 || o.maxFiles > 50))
      out.push(problem(`${path}.options.maxFiles`, "Entre 1 et 50 fichiers.", "Between 1 and 50 files."));
    if ((o.acceptedKinds ?? []).some((k) => !FILE_KINDS.includes(k)))
      out.push(problem(`${path}.options.acceptedKinds`, "Type de fichier inconnu.", "Unknown file kind."));
  }
  if (field.type === "referentiel" && (!o.referentielId || !referentielIds.has(o.referentielId))) {
    out.push(
      problem(
        `${path}.options.referentielId`,
        "Choisissez un référentiel importé pour cette démarche.",
        "Choose a referential imported for this procedure.",
      ),
    );
  }
  if (o.prefill !== undefined && !PREFILL_SOURCES.includes(o.prefill))
    out.push(problem(`${path}.options.prefill`, "Source de préremplissage inconnue.", "Unknown prefill source."));
  if (field.type === "repetition") {
    if (inRow)
      out.push(problem(path, "Un bloc répétable ne peut pas en contenir un autre.", "A repeatable block cannot hold another one."));
    const children = field.children ?? [];
    if (children.length === 0)
      out.push(
        problem(`${path}.children`, "Ajoutez au moins un champ au bloc répétable.", "Add at least one field to the repeatable block."),
      );
    children.forEach((child, i) => {
      out.push(...checkField(child, `${path}.children[${i}]`, referentielIds, true));
    });
  } else if ((field.children ?? []).length > 0) {
    out.push(problem(`${path}.children`, "Seul un bloc répétable contient des champs.", "Only a repeatable block holds fields."));
  }
  return out;
}

/** Every problem of a revision, in order. */
export function checkDefinition(definition: RevisionDefinition, referentielIds: ReadonlySet<string> = new Set()): DefinitionProblem[] {
  const out: DefinitionProblem[] = [];
  const all = [...definition.fields, ...definition.annotations];
  const count = all.reduce((n, f) => n + 1 + (f.children?.length ?? 0), 0);
  if (count > MAX_FIELDS)
    out.push(problem("fields", `Au plus ${MAX_FIELDS} champs par démarche.`, `At most ${MAX_FIELDS} fields per procedure.`));
  const seen = new Set<number>();
  const dup = (f: FieldDefinition, path: string) => {
    if (seen.has(f.stableId))
      out.push(problem(`${path}.stableId`, "Deux champs ont le même identifiant stable.", "Two fields have the same stable id."));
    seen.add(f.stableId);
  };
  definition.fields.forEach((f, i) => {
    dup(f, `fields[${i}]`);
    for (const [j, c] of (f.children ?? []).entries()) dup(c, `fields[${i}].children[${j}]`);
    out.push(...checkField(f, `fields[${i}]`, referentielIds, false));
  });
  definition.annotations.forEach((f, i) => {
    dup(f, `annotations[${i}]`);
    for (const [j, c] of (f.children ?? []).entries()) dup(c, `annotations[${i}].children[${j}]`);
    out.push(...checkField(f, `annotations[${i}]`, referentielIds, false));
  });
  if (definition.ineligibility && !definition.ineligibility.message?.trim()) {
    out.push(
      problem(
        "ineligibility.message",
        "Écrivez le message montré aux personnes non éligibles.",
        "Write the message shown to people who are not eligible.",
      ),
    );
  }
  // Conditions are checked whatever else is wrong: a condition on a later field must be refused even
  // while another field is still incomplete (duplicate stable ids are already reported above).
  out.push(...checkRevision(definition, geoLookup).filter((p) => !p.path.endsWith(".stableId")));
  return out;
}

export { atPath };
