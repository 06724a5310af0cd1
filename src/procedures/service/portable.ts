/*
 * A procedure as a portable JSON document — to back it up, move it to another
 * Guichet, or start a new procedure from a model: its settings, its form
 * (fields, annotations, eligibility) and its instructor groups with routing,
 * never its dossiers, agents or secrets. The format is described by a JSON
 * Schema served at /api/procedures/schema.json. On import every stable id is
 * given anew by the receiving procedure (conditions and routing rules follow),
 * so an import can never give an old dossier's answers another meaning.
 */
import { AppError } from "../../kernel/errors.ts";
import type { Expression, FieldDefinition, RevisionDefinition } from "../model.ts";
import type { AttestationTemplate, NotificationTemplates, ProcedureRow, SvaSvr } from "../store/procedures.ts";

export const PORTABLE_FORMAT = "guichet.procedure";
export const PORTABLE_VERSION = 1;

export interface PortableProcedure {
  format: typeof PORTABLE_FORMAT;
  version: number;
  procedure: {
    title: string;
    description: string;
    organisation: string;
    audience: string;
    documents: string;
    estimatedMinutes: number | null;
    declarative: "en_instruction" | "accepte" | null;
    svaSvr: SvaSvr | null;
    notifications: NotificationTemplates;
    attestation: AttestationTemplate | null;
  };
  revision: RevisionDefinition;
  groups: { label: string; isDefault: boolean; closed: boolean; routingRule: Expression | null }[];
}

export function toPortable(
  procedure: ProcedureRow,
  definition: RevisionDefinition,
  groups: { label: string; is_default: boolean; closed: boolean; routing_rule: Expression | null }[],
): PortableProcedure {
  return {
    format: PORTABLE_FORMAT,
    version: PORTABLE_VERSION,
    procedure: {
      title: procedure.title,
      description: procedure.description,
      organisation: procedure.organisation,
      audience: procedure.audience,
      documents: procedure.documents,
      estimatedMinutes: procedure.estimated_minutes,
      declarative: procedure.declarative,
      svaSvr: procedure.sva_svr,
      notifications: procedure.notifications ?? {},
      attestation: procedure.attestation,
    },
    revision: definition,
    groups: groups.map((g) => ({ label: g.label, isDefault: g.is_default, closed: g.closed, routingRule: g.routing_rule })),
  };
}

const bad = (path: string, en: string, fr: string) =>
  new AppError(400, "invalid_procedure_file", `${path}: ${en}`, {
    fields: [{ field: path, message: en }],
    forPeople: { fr: `Fichier de démarche invalide (${path}) : ${fr}`, en: `Invalid procedure file (${path}): ${en}` },
  });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function checkFieldShape(f: unknown, path: string): FieldDefinition {
  if (!isObject(f)) throw bad(path, "must be an object", "doit être un objet");
  if (!Number.isSafeInteger(f.stableId)) throw bad(`${path}.stableId`, "must be an integer", "doit être un entier");
  if (typeof f.type !== "string") throw bad(`${path}.type`, "must be a string", "doit être un texte");
  if (typeof f.label !== "string") throw bad(`${path}.label`, "must be a string", "doit être un texte");
  if (typeof f.mandatory !== "boolean") throw bad(`${path}.mandatory`, "must be true or false", "doit valoir true ou false");
  if (f.description !== undefined && typeof f.description !== "string")
    throw bad(`${path}.description`, "must be a string", "doit être un texte");
  if (f.options !== undefined && !isObject(f.options)) throw bad(`${path}.options`, "must be an object", "doit être un objet");
  if (f.children !== undefined) {
    if (!Array.isArray(f.children)) throw bad(`${path}.children`, "must be a list", "doit être une liste");
    f.children.forEach((c, i) => {
      checkFieldShape(c, `${path}.children[${i}]`);
    });
  }
  return f as unknown as FieldDefinition;
}

/** The document's structure (what JSON Schema says); the meaning is checked by checkDefinition after renumbering. */
export function parsePortable(json: unknown): PortableProcedure {
  if (!isObject(json) || json.format !== PORTABLE_FORMAT)
    throw bad("format", `must be "${PORTABLE_FORMAT}"`, `doit valoir « ${PORTABLE_FORMAT} »`);
  if (json.version !== PORTABLE_VERSION) throw bad("version", `must be ${PORTABLE_VERSION}`, `doit valoir ${PORTABLE_VERSION}`);
  const p = json.procedure;
  if (!isObject(p)) throw bad("procedure", "must be an object", "doit être un objet");
  for (const key of ["title", "description", "organisation", "audience", "documents"] as const) {
    if (typeof p[key] !== "string") throw bad(`procedure.${key}`, "must be a string", "doit être un texte");
  }
  const r = json.revision;
  if (!isObject(r) || !Array.isArray(r.fields) || !Array.isArray(r.annotations))
    throw bad("revision", "must hold fields and annotations lists", "doit contenir les listes fields et annotations");
  r.fields.forEach((f, i) => {
    checkFieldShape(f, `revision.fields[${i}]`);
  });
  r.annotations.forEach((f, i) => {
    checkFieldShape(f, `revision.annotations[${i}]`);
  });
  if (!Array.isArray(json.groups)) throw bad("groups", "must be a list", "doit être une liste");
  json.groups.forEach((g, i) => {
    if (!isObject(g) || typeof g.label !== "string" || typeof g.isDefault !== "boolean")
      throw bad(`groups[${i}]`, "needs a label and isDefault", "doit avoir label et isDefault");
  });
  return json as unknown as PortableProcedure;
}

function remapExpression(e: Expression, ids: Map<number, number>): Expression {
  if (!("field" in e)) return { op: e.op, operands: e.operands.map((o) => remapExpression(o, ids)) };
  // a reference to no field of the document stays dangling (id 0), and checkRevision reports it
  return { ...e, field: ids.get(e.field) ?? 0 } as Expression;
}

/**
 * The document's form with stable ids from `allocate` (one per field, children
 * included), every condition, the eligibility rule and routing rules rewritten.
 */
export function renumber(doc: PortableProcedure, fresh: number[]): { definition: RevisionDefinition; groups: PortableProcedure["groups"] } {
  const ids = new Map<number, number>();
  let next = 0;
  const assign = (f: FieldDefinition) => {
    if (!ids.has(f.stableId)) ids.set(f.stableId, fresh[next++] as number);
    for (const c of f.children ?? []) assign(c);
  };
  for (const f of [...doc.revision.fields, ...doc.revision.annotations]) assign(f);
  const rewrite = (f: FieldDefinition): FieldDefinition => ({
    ...f,
    stableId: ids.get(f.stableId) as number,
    ...(f.condition ? { condition: remapExpression(f.condition, ids) } : {}),
    ...(f.children ? { children: f.children.map(rewrite) } : {}),
  });
  const definition: RevisionDefinition = {
    fields: doc.revision.fields.map(rewrite),
    annotations: doc.revision.annotations.map(rewrite),
    ...(doc.revision.ineligibility
      ? { ineligibility: { rule: remapExpression(doc.revision.ineligibility.rule, ids), message: doc.revision.ineligibility.message } }
      : {}),
  };
  const groups = doc.groups.map((g) => ({ ...g, routingRule: g.routingRule ? remapExpression(g.routingRule, ids) : null }));
  return { definition, groups };
}

/** How many stable ids a document needs. */
export function fieldCount(doc: PortableProcedure): number {
  const count = (list: FieldDefinition[]): number => list.reduce((n, f) => n + 1 + count(f.children ?? []), 0);
  return count(doc.revision.fields) + count(doc.revision.annotations);
}

const expressionSchema = {
  type: "object",
  required: ["op"],
  properties: {
    op: {
      enum: [
        "and",
        "or",
        "eq",
        "neq",
        "lt",
        "lte",
        "gt",
        "gte",
        "includes",
        "empty",
        "not_empty",
        "in_departement",
        "not_in_departement",
        "in_region",
        "not_in_region",
      ],
    },
    operands: { type: "array", items: { $ref: "#/$defs/expression" } },
    field: { type: "integer" },
    value: { type: ["string", "number", "boolean"] },
  },
  additionalProperties: false,
};

const fieldSchema = {
  type: "object",
  required: ["stableId", "type", "label", "mandatory"],
  properties: {
    stableId: { type: "integer", minimum: 1 },
    type: { type: "string" },
    label: { type: "string", maxLength: 300 },
    description: { type: "string", maxLength: 10000 },
    mandatory: { type: "boolean" },
    condition: { $ref: "#/$defs/expression" },
    options: { type: "object" },
    children: { type: "array", items: { $ref: "#/$defs/field" } },
  },
};

/** JSON Schema (2020-12) of the portable format. */
export const PORTABLE_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "/api/procedures/schema.json",
  title: "Guichet procedure",
  type: "object",
  required: ["format", "version", "procedure", "revision", "groups"],
  properties: {
    format: { const: PORTABLE_FORMAT },
    version: { const: PORTABLE_VERSION },
    procedure: {
      type: "object",
      required: ["title", "description", "organisation", "audience", "documents"],
      properties: {
        title: { type: "string", minLength: 3, maxLength: 200 },
        description: { type: "string" },
        organisation: { type: "string" },
        audience: { type: "string" },
        documents: { type: "string" },
        estimatedMinutes: { type: ["integer", "null"] },
        declarative: { enum: ["en_instruction", "accepte", null] },
        svaSvr: {
          type: ["object", "null"],
          properties: {
            decision: { enum: ["sva", "svr"] },
            period: { type: "integer", minimum: 1 },
            unit: { enum: ["day", "week", "month"] },
            resume: { enum: ["continue", "reset"] },
          },
        },
        notifications: { type: "object" },
        attestation: { type: ["object", "null"] },
      },
    },
    revision: {
      type: "object",
      required: ["fields", "annotations"],
      properties: {
        fields: { type: "array", items: { $ref: "#/$defs/field" } },
        annotations: { type: "array", items: { $ref: "#/$defs/field" } },
        ineligibility: {
          type: "object",
          required: ["rule", "message"],
          properties: { rule: { $ref: "#/$defs/expression" }, message: { type: "string" } },
        },
      },
    },
    groups: {
      type: "array",
      items: {
        type: "object",
        required: ["label", "isDefault"],
        properties: {
          label: { type: "string" },
          isDefault: { type: "boolean" },
          closed: { type: "boolean" },
          routingRule: { oneOf: [{ $ref: "#/$defs/expression" }, { type: "null" }] },
        },
      },
    },
  },
  $defs: { field: fieldSchema, expression: expressionSchema },
} as const;
