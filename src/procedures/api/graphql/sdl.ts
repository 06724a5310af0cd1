/*
 * The GraphQL schema of the integration API: the part of demarches-simplifiees.fr's
 * API v2 that integrators use, with DS's type, field and argument names, so that a
 * DS client (its stored queries included) works by changing the URL and the token.
 * Types that Guichet never fills (maps, company data, labels…) exist so that DS's
 * queries validate; their fields answer null or empty lists.
 */
/** DS's descriptor types, with the fields of their own; those Guichet never produces are kept for DS's queries. */
const DESCRIPTOR_TYPES: { name: string; fields?: string }[] = [
  { name: "TextChampDescriptor" },
  { name: "TextareaChampDescriptor" },
  { name: "EmailChampDescriptor" },
  { name: "PhoneChampDescriptor" },
  { name: "IbanChampDescriptor" },
  { name: "SiretChampDescriptor" },
  { name: "RNAChampDescriptor" },
  { name: "CiviliteChampDescriptor" },
  { name: "AddressChampDescriptor" },
  { name: "CommuneChampDescriptor" },
  { name: "DepartementChampDescriptor", fields: "options: [Departement!]" },
  { name: "RegionChampDescriptor", fields: "options: [Region!]" },
  { name: "PaysChampDescriptor", fields: "options: [Pays!]" },
  { name: "IntegerNumberChampDescriptor" },
  { name: "DecimalNumberChampDescriptor" },
  { name: "NumberChampDescriptor" },
  { name: "FormattedChampDescriptor" },
  { name: "DateChampDescriptor" },
  { name: "DatetimeChampDescriptor" },
  { name: "PieceJustificativeChampDescriptor", fields: "fileTemplate: File" },
  { name: "TitreIdentiteChampDescriptor" },
  { name: "CheckboxChampDescriptor" },
  { name: "YesNoChampDescriptor" },
  { name: "DropDownListChampDescriptor", fields: "options: [String!]\n  otherOption: Boolean" },
  { name: "MultipleDropDownListChampDescriptor", fields: "options: [String!]" },
  { name: "LinkedDropDownListChampDescriptor", fields: "options: [String!]" },
  { name: "DossierLinkChampDescriptor" },
  { name: "ReferentielChampDescriptor" },
  { name: "HeaderSectionChampDescriptor", fields: "level: Int!" },
  { name: "ExplicationChampDescriptor", fields: "collapsibleExplanationEnabled: Boolean\n  collapsibleExplanationText: String" },
  { name: "RepetitionChampDescriptor" },
  { name: "CarteChampDescriptor" },
  { name: "EpciChampDescriptor" },
  { name: "RNFChampDescriptor" },
  { name: "AnnuaireEducationChampDescriptor" },
  { name: "CnafChampDescriptor" },
  { name: "DgfipChampDescriptor" },
  { name: "PoleEmploiChampDescriptor" },
  { name: "MesriChampDescriptor" },
  { name: "COJOChampDescriptor" },
  { name: "EngagementJuridiqueChampDescriptor" },
];

const ANNOTATION_MUTATIONS: [string, string][] = [
  ["Text", "String"],
  ["Checkbox", "Boolean"],
  ["Date", "ISO8601Date"],
  ["Datetime", "ISO8601DateTime"],
  ["IntegerNumber", "Int"],
  ["DecimalNumber", "Float"],
  ["DropDownList", "String"],
];

const PAYLOADS = [
  "DossierPasserEnInstruction",
  "DossierRepasserEnConstruction",
  "DossierRepasserEnInstruction",
  "DossierAccepter",
  "DossierRefuser",
  "DossierClasserSansSuite",
  "DossierArchiver",
  "DossierDesarchiver",
];

export const SDL = /* GraphQL */ `
scalar BigInt
scalar Coordinates
scalar ISO8601Date @specifiedBy(url: "https://tools.ietf.org/html/rfc3339")
scalar ISO8601DateTime @specifiedBy(url: "https://tools.ietf.org/html/rfc3339")
scalar URL

type Query {
  "Une démarche couverte par le jeton, par son numéro."
  demarche(number: Int!): Demarche!
  "La description publique d’une démarche couverte par le jeton."
  demarcheDescriptor(demarche: FindDemarcheInput!): DemarcheDescriptor
  "Un dossier d’une démarche couverte par le jeton."
  dossier(number: Int!): Dossier!
  "Un groupe instructeur d’une démarche couverte par le jeton."
  groupeInstructeur(number: Int!): GroupeInstructeurWithDossiers!
}

input FindDemarcheInput @oneOf {
  id: ID
  number: Int
}

enum DemarcheState { brouillon close depubliee publiee }
enum DossierDeclarativeState { accepte en_instruction }
enum DossierState { accepte en_construction en_instruction refuse sans_suite }
enum Order { ASC DESC }
enum ConnectionUsager { deleted france_connect password }
enum Civilite { M Mme }
enum CorrectionReason { incomplete incorrect outdated }
enum TraitementEvent {
  accepte
  accepte_automatiquement
  classe_sans_suite
  depose
  depose_correction_instructeur
  depose_correction_usager
  passe_en_instruction
  passe_en_instruction_automatiquement
  refuse
  refuse_automatiquement
  repasse_en_construction
  repasse_en_instruction
}
enum DeletedDossierReason { expired instructeur_request manager_request procedure_removed user_expired user_removed user_request }
enum TypeOrganisme {
  administration_centrale
  association
  autre
  collectivite_territoriale
  etablissement_enseignement
  operateur_d_etat
  service_deconcentre_de_l_etat
}
enum LabelColorEnum {
  beige_gris_galet
  blue_ecume
  brown_cafe_creme
  green_bourgeon
  green_emeraude
  green_menthe
  green_tilleul_verveine
  pink_macaron
  purple_glycine
  yellow_tournesol
}
enum AddressType { housenumber locality municipality street }
enum GeoAreaSource { cadastre rpg selection_utilisateur }
enum TypeDeChamp {
  address
  annuaire_education
  carte
  checkbox
  civilite
  cnaf
  cojo
  communes
  date
  datetime
  decimal_number
  departements
  dgfip
  dossier_link
  drop_down_list
  email
  engagement_juridique
  epci
  explication
  formatted
  header_section
  iban
  integer_number
  linked_drop_down_list
  mesri
  multiple_drop_down_list
  number
  pays
  phone
  piece_justificative
  pole_emploi
  referentiel
  regions
  repetition
  rna
  rnf
  siret
  text
  textarea
  titre_identite
  yes_no
}

type Demarche {
  id: ID!
  number: Int!
  title: String!
  description: String!
  state: DemarcheState!
  declarative: DossierDeclarativeState
  dateCreation: ISO8601DateTime!
  dateDerniereModification: ISO8601DateTime!
  datePublication: ISO8601DateTime
  dateDepublication: ISO8601DateTime
  dateFermeture: ISO8601DateTime
  activeRevision: Revision!
  draftRevision: Revision!
  publishedRevision: Revision
  revisions: [Revision!]!
  champDescriptors: [ChampDescriptor!]! @deprecated(reason: "Utilisez le champ \`activeRevision.champDescriptors\` à la place.")
  annotationDescriptors: [ChampDescriptor!]! @deprecated(reason: "Utilisez le champ \`activeRevision.annotationDescriptors\` à la place.")
  administrateurs: [Profile!]!
  groupeInstructeurs(closed: Boolean): [GroupeInstructeur!]!
  service: Service
  labels: [Label!]!
  chorusConfiguration: ChorusConfiguration
  "Les dossiers déposés de la démarche, par date de dépôt (par date de modification avec updatedSince)."
  dossiers(
    after: String
    archived: Boolean
    before: String
    createdSince: ISO8601DateTime
    first: Int
    last: Int
    maxRevision: ID
    minRevision: ID
    order: Order = ASC @deprecated(reason: "Utilisez l’argument \`last\` à la place.")
    revision: ID
    state: DossierState
    updatedSince: ISO8601DateTime
  ): DossierConnection!
  deletedDossiers(
    after: String
    before: String
    deletedSince: ISO8601DateTime
    first: Int
    last: Int
    order: Order = ASC @deprecated(reason: "Utilisez l’argument \`last\` à la place.")
  ): DeletedDossierConnection!
  pendingDeletedDossiers(
    after: String
    before: String
    deletedSince: ISO8601DateTime
    first: Int
    last: Int
    order: Order = ASC @deprecated(reason: "Utilisez l’argument \`last\` à la place.")
  ): DeletedDossierConnection!
}

type DemarcheDescriptor {
  id: ID!
  number: Int!
  title: String!
  description: String!
  state: DemarcheState!
  declarative: DossierDeclarativeState
  dateCreation: ISO8601DateTime!
  dateDerniereModification: ISO8601DateTime!
  datePublication: ISO8601DateTime
  dateDepublication: ISO8601DateTime
  dateFermeture: ISO8601DateTime
  demarcheURL: URL
  cadreJuridiqueURL: String
  deliberation: File
  notice: File
  noticeURL: URL
  revision: Revision!
  service: Service
}

type ChorusConfiguration {
  centreDeCout: String
  domaineFonctionnel: String
  referentielDeProgrammation: String
}

type Service {
  id: ID!
  nom: String!
  organisme: String!
  siret: String
  typeOrganisme: TypeOrganisme!
}

type Label {
  id: ID!
  name: String!
  color: LabelColorEnum!
}

type Revision {
  id: ID!
  dateCreation: ISO8601DateTime!
  datePublication: ISO8601DateTime
  champDescriptors: [ChampDescriptor!]!
  annotationDescriptors: [ChampDescriptor!]!
}

type Profile {
  id: ID!
  email: String!
}

type GroupeInstructeur {
  id: ID!
  number: Int!
  label: String!
  closed: Boolean!
  instructeurs: [Profile!]!
}

type GroupeInstructeurWithDossiers {
  id: ID!
  number: Int!
  label: String!
  closed: Boolean!
  instructeurs: [Profile!]!
  dossiers(
    after: String
    archived: Boolean
    before: String
    createdSince: ISO8601DateTime
    first: Int
    last: Int
    maxRevision: ID
    minRevision: ID
    order: Order = ASC @deprecated(reason: "Utilisez l’argument \`last\` à la place.")
    revision: ID
    state: DossierState
    updatedSince: ISO8601DateTime
  ): DossierConnection!
  deletedDossiers(
    after: String
    before: String
    deletedSince: ISO8601DateTime
    first: Int
    last: Int
    order: Order = ASC @deprecated(reason: "Utilisez l’argument \`last\` à la place.")
  ): DeletedDossierConnection!
  pendingDeletedDossiers(
    after: String
    before: String
    deletedSince: ISO8601DateTime
    first: Int
    last: Int
    order: Order = ASC @deprecated(reason: "Utilisez l’argument \`last\` à la place.")
  ): DeletedDossierConnection!
}

type PageInfo {
  endCursor: String
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
}

type DossierConnection {
  edges: [DossierEdge]
  nodes: [Dossier]
  pageInfo: PageInfo!
}

type DossierEdge {
  cursor: String!
  node: Dossier
}

type DeletedDossier {
  id: ID!
  number: Int!
  dateSupression: ISO8601DateTime!
  reason: DeletedDossierReason!
  state: DossierState!
}

type DeletedDossierConnection {
  edges: [DeletedDossierEdge]
  nodes: [DeletedDossier]
  pageInfo: PageInfo!
}

type DeletedDossierEdge {
  cursor: String!
  node: DeletedDossier
}

"Un dossier déposé."
type Dossier {
  id: ID!
  number: Int!
  state: DossierState!
  archived: Boolean!
  prefilled: Boolean!
  dateDepot: ISO8601DateTime!
  datePassageEnConstruction: ISO8601DateTime!
  datePassageEnInstruction: ISO8601DateTime
  dateTraitement: ISO8601DateTime
  dateDerniereModification: ISO8601DateTime!
  dateDerniereModificationChamps: ISO8601DateTime!
  dateDerniereModificationAnnotations: ISO8601DateTime!
  dateDerniereCorrectionEnAttente: ISO8601DateTime
  dateExpiration: ISO8601DateTime
  datePrevisionnelleDecisionSVASVR: ISO8601Date
  dateTraitementSVASVR: ISO8601DateTime
  dateSuppressionParUsager: ISO8601DateTime
  dateSuppressionParAdministration: ISO8601DateTime
  motivation: String
  motivationAttachment: File
  attestation: File
  pdf: File
  geojson: File
  usager: Profile!
  connectionUsager: ConnectionUsager!
  demandeur: Demandeur!
  deposeParUnTiers: Boolean
  prenomMandataire: String
  nomMandataire: String
  groupeInstructeur: GroupeInstructeur!
  instructeurs: [Profile!]!
  traitements: [Traitement!]!
  messages(id: ID): [Message!]!
  avis(id: ID): [Avis!]!
  labels: [Label!]!
  champs(id: ID): [Champ!]!
  annotations(id: ID): [Champ!]!
  demarche: DemarcheDescriptor!
  revision: Revision! @deprecated(reason: "Utilisez le champ \`demarche.revision\` à la place.")
}

type Traitement {
  id: ID!
  event: TraitementEvent!
  state: DossierState! @deprecated(reason: "Utilisez le champ \`event\` à la place.")
  dateTraitement: ISO8601DateTime!
  emailAgentTraitant: String
  motivation: String
  revision: Revision
}

type Message {
  id: ID!
  body: String!
  createdAt: ISO8601DateTime!
  discardedAt: ISO8601DateTime
  email: String!
  attachments: [File!]!
  attachment: File @deprecated(reason: "Utilisez le champ \`attachments\` à la place.")
  correction: Correction
}

type Correction {
  reason: CorrectionReason!
  dateResolution: ISO8601DateTime
}

type Avis {
  id: ID!
  question: String!
  questionLabel: String
  questionAnswer: Boolean
  reponse: String
  dateQuestion: ISO8601DateTime!
  dateReponse: ISO8601DateTime
  claimant: Profile
  expert: Profile
  instructeur: Profile! @deprecated(reason: "Utilisez le champ \`claimant\` à la place.")
  attachments: [File!]!
  attachment: File @deprecated(reason: "Utilisez le champ \`attachments\` à la place.")
}

type File {
  filename: String!
  contentType: String!
  "Empreinte SHA-256 du contenu, en base64."
  checksum: String!
  byteSize: Int! @deprecated(reason: "Utilisez le champ \`byteSizeBigInt\` à la place.")
  byteSizeBigInt: BigInt!
  createdAt: ISO8601DateTime!
  "Adresse de téléchargement, valable une heure."
  url: URL!
  virusScanResult: String!
}

interface Demandeur {
  id: ID!
}

type PersonnePhysique implements Demandeur {
  id: ID!
  civilite: Civilite
  nom: String!
  prenom: String!
  dateDeNaissance: ISO8601Date
  email: String
}

type PersonneMorale implements Demandeur {
  id: ID!
  siret: String!
  siegeSocial: Boolean!
  naf: String
  libelleNaf: String!
  address: Address!
  entreprise: Entreprise
  association: Association
}

type PersonneMoraleIncomplete implements Demandeur {
  id: ID!
  siret: String!
}

type Entreprise {
  siren: String!
  capitalSocial: BigInt
  numeroTvaIntracommunautaire: String
  formeJuridique: String
  formeJuridiqueCode: String
  nomCommercial: String!
  raisonSociale: String!
  siretSiegeSocial: String!
  codeEffectifEntreprise: String
  dateCreation: ISO8601Date
  nom: String
  prenom: String
  attestationFiscaleAttachment: File
  attestationSocialeAttachment: File
}

type Association {
  rna: String!
  titre: String!
  objet: String
  dateCreation: ISO8601Date
  dateDeclaration: ISO8601Date
  datePublication: ISO8601Date
}

type Address {
  label: String!
  type: AddressType!
  streetAddress: String
  streetNumber: String
  streetName: String
  postalCode: String!
  cityName: String!
  cityCode: String!
  departmentName: String
  departmentCode: String
  regionName: String
  regionCode: String
  countryCode: String
  countryName: String
}

type Commune {
  code: String!
  name: String!
  postalCode: String
}

type Departement {
  code: String!
  name: String!
}

type Region {
  code: String!
  name: String!
}

type Pays {
  code: String!
  name: String!
}

type Epci {
  code: String!
  name: String!
}

type RNA {
  id: String!
  title: String
  address: Address
}

type RNF {
  id: String!
  title: String
  address: Address
}

type EngagementJuridique {
  montantEngage: String
  montantPaye: String
}

type GeoJSON {
  type: String!
  coordinates: Coordinates!
}

interface GeoArea {
  id: ID!
  source: GeoAreaSource!
  description: String
  geometry: GeoJSON!
}

type ParcelleCadastrale implements GeoArea {
  id: ID!
  source: GeoAreaSource!
  description: String
  geometry: GeoJSON!
  commune: String!
  numero: String!
  section: String!
  prefixe: String!
  surface: String!
}

type SelectionUtilisateur implements GeoArea {
  id: ID!
  source: GeoAreaSource!
  description: String
  geometry: GeoJSON!
}

type Row {
  id: ID!
  champs: [Champ!]!
}

interface Column {
  id: ID!
  label: String!
  stringValue: String
}

type TextColumn implements Column { id: ID! label: String! stringValue: String value: String }
type BooleanColumn implements Column { id: ID! label: String! stringValue: String value: Boolean }
type DateColumn implements Column { id: ID! label: String! stringValue: String value: ISO8601Date }
type DateTimeColumn implements Column { id: ID! label: String! stringValue: String value: ISO8601DateTime }
type IntegerColumn implements Column { id: ID! label: String! stringValue: String value: BigInt }
type DecimalColumn implements Column { id: ID! label: String! stringValue: String value: Float }
type EnumColumn implements Column { id: ID! label: String! stringValue: String value: String }
type EnumsColumn implements Column { id: ID! label: String! stringValue: String value: [String!] }
type AttachmentsColumn implements Column { id: ID! label: String! stringValue: String value: [File!] }

"Une réponse du formulaire ou une annotation privée."
interface Champ {
  id: ID!
  champDescriptorId: String!
  label: String!
  stringValue: String
  updatedAt: ISO8601DateTime!
  prefilled: Boolean!
  prefilledValueModified: Boolean!
  columns: [Column!]!
}

${champType("TextChamp", "value: String")}
${champType("CheckboxChamp", "value: Boolean!")}
${champType("YesNoChamp", "value: Boolean")}
${champType("CiviliteChamp", "value: Civilite")}
${champType("DateChamp", 'date: ISO8601Date\n  value: ISO8601DateTime @deprecated(reason: "Utilisez le champ `date` ou le fragment `DatetimeChamp` à la place.")')}
${champType("DatetimeChamp", "datetime: ISO8601DateTime")}
${champType("DecimalNumberChamp", "value: Float")}
${champType("IntegerNumberChamp", "value: BigInt")}
${champType("DropDownListChamp", "value: String")}
${champType("MultipleDropDownListChamp", "values: [String!]!")}
${champType("LinkedDropDownListChamp", "primaryValue: String\n  secondaryValue: String")}
${champType("PieceJustificativeChamp", 'files: [File!]!\n  file: File @deprecated(reason: "Utilisez le champ `files` à la place.")')}
${champType("RepetitionChamp", 'rows: [Row!]!\n  champs: [Champ!]! @deprecated(reason: "Utilisez le champ `rows` à la place.")')}
${champType("AddressChamp", "address: Address\n  commune: Commune\n  departement: Departement")}
${champType("CommuneChamp", "commune: Commune\n  departement: Departement")}
${champType("DepartementChamp", "departement: Departement")}
${champType("RegionChamp", "region: Region")}
${champType("PaysChamp", "pays: Pays")}
${champType("EpciChamp", "epci: Epci\n  departement: Departement")}
${champType("SiretChamp", "etablissement: PersonneMorale")}
${champType("RNAChamp", "rna: RNA\n  commune: Commune\n  departement: Departement")}
${champType("RNFChamp", "rnf: RNF\n  commune: Commune\n  departement: Departement")}
${champType("DossierLinkChamp", "dossier: Dossier")}
${champType("CarteChamp", "geoAreas: [GeoArea!]!")}
${champType("EngagementJuridiqueChamp", "engagementJuridique: EngagementJuridique")}
${champType("HeaderSectionChamp", "level: Int!")}
${champType("ExplicationChamp", "")}

"La description d’un champ du formulaire ou d’une annotation."
interface ChampDescriptor {
  id: ID!
  label: String!
  description: String
  required: Boolean!
  type: TypeDeChamp! @deprecated(reason: "Utilisez le champ \`__typename\` à la place.")
  champDescriptors: [ChampDescriptor!] @deprecated(reason: "Utilisez le champ \`RepetitionChampDescriptor.champ_descriptors\` à la place.")
}

${DESCRIPTOR_TYPES.map((t) => descriptorType(t.name, t.fields ?? "")).join("\n")}

type ValidationError {
  message: String!
}

input AnnotationInput {
  "L’identifiant de l’annotation (champDescriptorId, ou id d’un champ de ligne)."
  id: ID!
  value: AnnotationValueInput!
}

input AnnotationValueInput @oneOf {
  checkbox: Boolean
  civilite: Civilite
  date: ISO8601Date
  datetime: ISO8601DateTime
  decimalNumber: Float
  departements: String
  dossierLink: String
  dropDownList: String
  email: String
  formatted: String
  iban: String
  integerNumber: Int
  multipleDropDownList: [String!]
  pays: String
  phone: String
  pieceJustificative: [ID!]
  regions: String
  repetition: Int
  text: String
  textarea: String
  yesNo: Boolean
}

${decisionInput("DossierPasserEnInstructionInput", "")}
${decisionInput("DossierRepasserEnConstructionInput", "")}
${decisionInput("DossierRepasserEnInstructionInput", "")}
${decisionInput("DossierAccepterInput", "justificatif: ID\n  motivation: String")}
${decisionInput("DossierRefuserInput", "justificatif: ID\n  motivation: String!")}
${decisionInput("DossierClasserSansSuiteInput", "justificatif: ID\n  motivation: String!")}

input DossierEnvoyerMessageInput {
  clientMutationId: String
  dossierId: ID!
  instructeurId: ID!
  body: String!
  attachment: ID
  correction: CorrectionReason
}

input DossierModifierAnnotationsInput {
  clientMutationId: String
  dossierId: ID!
  instructeurId: ID!
  annotations: [AnnotationInput!]!
}

input DossierArchiverInput {
  clientMutationId: String
  dossierId: ID!
  instructeurId: ID!
}

input DossierDesarchiverInput {
  clientMutationId: String
  dossierId: ID!
  instructeurId: ID!
}

${PAYLOADS.map((p) => `type ${p}Payload {\n  clientMutationId: String\n  dossier: Dossier\n  errors: [ValidationError!]\n}`).join("\n")}

type DossierEnvoyerMessagePayload {
  clientMutationId: String
  message: Message
  errors: [ValidationError!]
}

type DossierModifierAnnotationsPayload {
  clientMutationId: String
  annotations: [Champ!]
  errors: [ValidationError!]
}

${ANNOTATION_MUTATIONS.map(
  ([name, type]) => `input DossierModifierAnnotation${name}Input {
  clientMutationId: String
  dossierId: ID!
  instructeurId: ID!
  annotationId: ID!
  value: ${type}!
}
type DossierModifierAnnotation${name}Payload {
  clientMutationId: String
  annotation: Champ
  errors: [ValidationError!]
}`,
).join("\n")}

type Mutation {
  "Passer le dossier en instruction."
  dossierPasserEnInstruction(input: DossierPasserEnInstructionInput!): DossierPasserEnInstructionPayload
  "Repasser le dossier en construction (le rendre au demandeur)."
  dossierRepasserEnConstruction(input: DossierRepasserEnConstructionInput!): DossierRepasserEnConstructionPayload
  "Rouvrir l’instruction d’un dossier traité."
  dossierRepasserEnInstruction(input: DossierRepasserEnInstructionInput!): DossierRepasserEnInstructionPayload
  "Accepter le dossier."
  dossierAccepter(input: DossierAccepterInput!): DossierAccepterPayload
  "Refuser le dossier (motivation obligatoire)."
  dossierRefuser(input: DossierRefuserInput!): DossierRefuserPayload
  "Classer le dossier sans suite."
  dossierClasserSansSuite(input: DossierClasserSansSuiteInput!): DossierClasserSansSuitePayload
  "Envoyer un message au demandeur ; avec correction, lui demander de corriger son dossier."
  dossierEnvoyerMessage(input: DossierEnvoyerMessageInput!): DossierEnvoyerMessagePayload
  "Modifier les annotations privées."
  dossierModifierAnnotations(input: DossierModifierAnnotationsInput!): DossierModifierAnnotationsPayload
${ANNOTATION_MUTATIONS.map(
  ([name]) =>
    `  dossierModifierAnnotation${name}(input: DossierModifierAnnotation${name}Input!): DossierModifierAnnotation${name}Payload @deprecated(reason: "Utilisez la mutation \`dossierModifierAnnotations\` à la place.")`,
).join("\n")}
  "Archiver un dossier traité."
  dossierArchiver(input: DossierArchiverInput!): DossierArchiverPayload
  "Désarchiver un dossier."
  dossierDesarchiver(input: DossierDesarchiverInput!): DossierDesarchiverPayload
}
`;

function champType(name: string, fields: string): string {
  return `type ${name} implements Champ {
  id: ID!
  champDescriptorId: String!
  label: String!
  stringValue: String
  updatedAt: ISO8601DateTime!
  prefilled: Boolean!
  prefilledValueModified: Boolean!
  columns: [Column!]!
  ${fields}
}`;
}

function descriptorType(name: string, fields: string): string {
  return `type ${name} implements ChampDescriptor {
  id: ID!
  label: String!
  description: String
  required: Boolean!
  type: TypeDeChamp! @deprecated(reason: "Utilisez le champ \`__typename\` à la place.")
  champDescriptors: [ChampDescriptor!] @deprecated(reason: "Utilisez le champ \`RepetitionChampDescriptor.champ_descriptors\` à la place.")
  ${fields}
}`;
}

function decisionInput(name: string, fields: string): string {
  return `input ${name} {
  clientMutationId: String
  dossierId: ID!
  instructeurId: ID!
  "Accepté pour les clients de DS ; les notifications sont toujours envoyées."
  disableNotification: Boolean = false
  ${fields}
}`;
}
