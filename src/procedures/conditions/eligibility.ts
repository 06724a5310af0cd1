/*
 * Ineligibility (DS's `ineligibilite_rules`): submission is refused, with the
 * administration's message, when the revision's rule holds. The rule is
 * evaluated on the values the applicant can see: a hidden field's value
 * counts as empty, as it will be cleared at submission.
 */
import type { RevisionDefinition, Text, Values } from "../model.ts";
import { evaluate } from "./evaluate.ts";
import { indexFields } from "./fields.ts";
import type { GeoLookup } from "./geo.ts";
import { clearHidden } from "./visibility.ts";

const DEFAULT_MESSAGE: Text = {
  fr: "Votre dossier ne remplit pas les conditions d’éligibilité de cette démarche.",
  en: "Your application does not meet the eligibility conditions of this procedure.",
};

/**
 * The message to show when the dossier is ineligible, else undefined. The
 * administration writes its message in French only; it is given in both
 * languages as written (a generic message if it is blank).
 */
export function ineligibility(
  definition: RevisionDefinition,
  values: Values,
  geo: GeoLookup,
  options: { cleared?: boolean } = {},
): Text | undefined {
  const rule = definition.ineligibility?.rule;
  if (rule === undefined) return undefined;
  // `cleared`: the values are clearHidden's already (a complete readForm's), which clearing again would not change
  const visible = options.cleared ? values : clearHidden(definition.fields, values, geo);
  if (!evaluate(rule, visible, indexFields(definition.fields), geo)) return undefined;
  const message = definition.ineligibility?.message.trim() ?? "";
  return message === "" ? DEFAULT_MESSAGE : { fr: message, en: message };
}
