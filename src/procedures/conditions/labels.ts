/* Words of the condition language for people: field types and operators, in French and English. */
import type { FieldType, Text } from "../model.ts";

/** DS's labels of field types (config/locales/models/type_de_champ/fr.yml). */
export const TYPE_LABELS: Readonly<Record<FieldType, Text>> = {
  header_section: { fr: "Titre de section", en: "Section title" },
  explication: { fr: "Explication", en: "Explanation" },
  repetition: { fr: "Bloc répétable", en: "Repeatable block" },
  civilite: { fr: "Civilité", en: "Title" },
  email: { fr: "Adresse électronique", en: "Email address" },
  phone: { fr: "Téléphone", en: "Phone number" },
  address: { fr: "Adresse", en: "Address" },
  communes: { fr: "Communes", en: "Municipality" },
  departements: { fr: "Départements", en: "Département" },
  regions: { fr: "Régions", en: "Region" },
  pays: { fr: "Pays", en: "Country" },
  iban: { fr: "Numéro IBAN", en: "IBAN" },
  siret: { fr: "Numéro SIRET", en: "SIRET number" },
  rna: { fr: "RNA", en: "RNA number" },
  text: { fr: "Texte court", en: "Short text" },
  textarea: { fr: "Texte long", en: "Long text" },
  integer_number: { fr: "Nombre entier", en: "Whole number" },
  decimal_number: { fr: "Nombre décimal", en: "Decimal number" },
  formatted: { fr: "Champ formaté", en: "Formatted text" },
  date: { fr: "Date", en: "Date" },
  datetime: { fr: "Date et heure", en: "Date and time" },
  piece_justificative: { fr: "Pièce justificative", en: "Attachment" },
  checkbox: { fr: "Case à cocher seule", en: "Checkbox" },
  yes_no: { fr: "Oui/Non", en: "Yes/No" },
  drop_down_list: { fr: "Choix simple", en: "Single choice" },
  multiple_drop_down_list: { fr: "Choix multiple", en: "Multiple choice" },
  linked_drop_down_list: { fr: "Deux menus déroulants liés", en: "Linked drop-down lists" },
  dossier_link: { fr: "Lien vers un autre dossier", en: "Link to another file" },
  referentiel: { fr: "Référentiel", en: "Reference list" },
};

/** The name of an operator in the builder's menus. */
export const OPERATOR_LABELS: Readonly<Record<string, Text>> = {
  and: { fr: "et", en: "and" },
  or: { fr: "ou", en: "or" },
  eq: { fr: "est", en: "is" },
  neq: { fr: "n’est pas", en: "is not" },
  lt: { fr: "est inférieur à", en: "is less than" },
  lte: { fr: "est inférieur ou égal à", en: "is less than or equal to" },
  gt: { fr: "est supérieur à", en: "is greater than" },
  gte: { fr: "est supérieur ou égal à", en: "is greater than or equal to" },
  includes: { fr: "contient", en: "includes" },
  empty: { fr: "est vide", en: "is empty" },
  not_empty: { fr: "est rempli", en: "is filled in" },
  in_departement: { fr: "est dans le département", en: "is in the département" },
  not_in_departement: { fr: "n’est pas dans le département", en: "is not in the département" },
  in_region: { fr: "est dans la région", en: "is in the region" },
  not_in_region: { fr: "n’est pas dans la région", en: "is not in the region" },
};
