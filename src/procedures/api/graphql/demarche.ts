/* Démarches as DS's API shows them: the démarche, its public descriptor, its revisions and their field descriptors, its groups. */
import { type FieldDefinition, LAYOUT_TYPES, type RevisionDefinition } from "../../model.ts";
import { countries, departements, regions } from "../../referentials/index.ts";
import type { GroupRow, ProcedureRow, RevisionRow } from "../../store/procedures.ts";
import { globalId, numericIdOf } from "../ids.ts";
import { type ApiContext, badRequest } from "./context.ts";
import { type ConnectionArgs, dossierConnection, emptyConnection } from "./dossier.ts";

const DESCRIPTOR_TYPENAMES: Record<FieldDefinition["type"], string> = {
  header_section: "HeaderSectionChampDescriptor",
  explication: "ExplicationChampDescriptor",
  repetition: "RepetitionChampDescriptor",
  civilite: "CiviliteChampDescriptor",
  email: "EmailChampDescriptor",
  phone: "PhoneChampDescriptor",
  address: "AddressChampDescriptor",
  communes: "CommuneChampDescriptor",
  departements: "DepartementChampDescriptor",
  regions: "RegionChampDescriptor",
  pays: "PaysChampDescriptor",
  iban: "IbanChampDescriptor",
  siret: "SiretChampDescriptor",
  rna: "RNAChampDescriptor",
  text: "TextChampDescriptor",
  textarea: "TextareaChampDescriptor",
  integer_number: "IntegerNumberChampDescriptor",
  decimal_number: "DecimalNumberChampDescriptor",
  formatted: "FormattedChampDescriptor",
  date: "DateChampDescriptor",
  datetime: "DatetimeChampDescriptor",
  piece_justificative: "PieceJustificativeChampDescriptor",
  checkbox: "CheckboxChampDescriptor",
  yes_no: "YesNoChampDescriptor",
  drop_down_list: "DropDownListChampDescriptor",
  multiple_drop_down_list: "MultipleDropDownListChampDescriptor",
  linked_drop_down_list: "LinkedDropDownListChampDescriptor",
  dossier_link: "DossierLinkChampDescriptor",
  referentiel: "ReferentielChampDescriptor",
};

/** A field's id in DS's API ("Champ-<stable id>"), the same for the descriptor and for the dossiers' champs. */
export const champDescriptorId = (stableId: number) => globalId("Champ", stableId);

export function champDescriptor(field: FieldDefinition): Record<string, unknown> {
  const o = field.options ?? {};
  const children = field.type === "repetition" ? (field.children ?? []).map(champDescriptor) : null;
  return {
    __typename: DESCRIPTOR_TYPENAMES[field.type],
    id: champDescriptorId(field.stableId),
    label: field.label,
    description: field.type === "explication" ? null : (field.description ?? null),
    required: field.mandatory && !LAYOUT_TYPES.has(field.type),
    type: field.type,
    champDescriptors: children,
    options:
      field.type === "linked_drop_down_list"
        ? (o.linkedChoices ?? []).flatMap((c) => [`--${c.label}--`, ...c.secondary])
        : field.type === "departements"
          ? departements().map((d) => ({ code: d.code, name: d.name }))
          : field.type === "regions"
            ? regions().map((r) => ({ code: r.code, name: r.name }))
            : field.type === "pays"
              ? countries().map((c) => ({ code: c.code, name: c.name.fr }))
              : (o.choices ?? null),
    otherOption: o.other ?? false,
    level: o.level ?? 1,
    collapsibleExplanationEnabled: o.collapsible ?? false,
    collapsibleExplanationText: field.type === "explication" ? (field.description ?? null) : null,
    fileTemplate: null,
  };
}

export function revisionModel(row: RevisionRow) {
  const definition: RevisionDefinition = row.definition;
  return {
    id: globalId("ProcedureRevision", row.id),
    dateCreation: row.created_at,
    datePublication: row.published_at,
    champDescriptors: () => definition.fields.map(champDescriptor),
    annotationDescriptors: () => definition.annotations.map(champDescriptor),
  };
}

async function revisionOf(ctx: ApiContext, id: string | null) {
  const row = id ? await ctx.load.revision(id) : undefined;
  if (!row) throw new Error(`revision ${id} is missing`);
  return revisionModel(row);
}

export function profile(type: string, person: { email: string | null; user_id?: string | null }) {
  // an agent named by e-mail who never signed in has no row yet: their id says so and no mutation takes it
  return { id: globalId(type, person.user_id ?? `email:${person.email ?? ""}`), email: person.email ?? "" };
}

export function groupModel(group: GroupRow, ctx: ApiContext) {
  return {
    id: globalId("GroupeInstructeur", group.id),
    number: Number(group.id),
    label: group.label,
    closed: group.closed,
    instructeurs: async () => (await ctx.load.instructors(group.id)).map((i) => profile("Instructeur", i)),
    dossiers: (args: ConnectionArgs) => dossierConnection(ctx, group.procedure_id, args, group.id),
    deletedDossiers: () => emptyConnection(),
    pendingDeletedDossiers: () => emptyConnection(),
  };
}

const service = (p: ProcedureRow) => ({
  id: globalId("Service", p.id),
  nom: p.organisation,
  organisme: p.organisation,
  siret: null,
  typeOrganisme: "autre",
});

const closedAt = (p: ProcedureRow) => (p.state === "close" ? (p.closed_at ?? p.updated_at) : null);

/** The revision the API shows as active: the published one, or the draft while the démarche is in test. */
const activeRevisionId = (p: ProcedureRow) => p.published_revision_id ?? p.draft_revision_id;

export function descriptorModel(p: ProcedureRow, ctx: ApiContext, revisionId: string = activeRevisionId(p)) {
  return {
    id: globalId("Procedure", p.id),
    number: Number(p.id),
    title: p.title,
    description: p.description,
    state: p.state,
    declarative: p.declarative,
    dateCreation: p.created_at,
    dateDerniereModification: p.updated_at,
    datePublication: p.published_at,
    dateDepublication: null,
    dateFermeture: closedAt(p),
    demarcheURL: new URL(`/commencer/${p.path}`, ctx.publicUrl).href,
    cadreJuridiqueURL: null,
    deliberation: null,
    notice: null,
    noticeURL: null,
    revision: () => revisionOf(ctx, revisionId),
    service: service(p),
  };
}

export function demarcheModel(p: ProcedureRow, ctx: ApiContext) {
  const active = () => revisionOf(ctx, activeRevisionId(p));
  return {
    ...descriptorModel(p, ctx),
    activeRevision: active,
    draftRevision: () => revisionOf(ctx, p.draft_revision_id),
    publishedRevision: () => (p.published_revision_id ? revisionOf(ctx, p.published_revision_id) : null),
    revisions: async () => (await ctx.load.revisionsOf(p.id)).map(revisionModel),
    champDescriptors: async () => (await active()).champDescriptors(),
    annotationDescriptors: async () => (await active()).annotationDescriptors(),
    administrateurs: async () => (await ctx.load.administrators(p.id)).map((a) => profile("Administrateur", a)),
    groupeInstructeurs: async ({ closed }: { closed?: boolean | null }) =>
      (await ctx.load.groupsOf(p.id))
        .filter((g) => closed === undefined || closed === null || g.closed === closed)
        .map((g) => groupModel(g, ctx)),
    labels: [],
    chorusConfiguration: null,
    dossiers: (args: ConnectionArgs) => dossierConnection(ctx, p.id, args),
    deletedDossiers: () => emptyConnection(),
    pendingDeletedDossiers: () => emptyConnection(),
  };
}

/** A revision id argument (minRevision, revision…) of this démarche. */
export function revisionArgument(value: unknown, name: string): string {
  const id = numericIdOf(value, "ProcedureRevision");
  if (!id) throw badRequest(`Argument "${name}": not a revision id of this démarche`);
  return id;
}
