/*
 * Dossier states and transitions, exactly as demarches-simplifiees.fr has them
 * (app/models/dossier.rb; shared/reference/demarches.md §1.3):
 *
 *   brouillon ──passer_en_construction──▶ en_construction ──passer_en_instruction──▶ en_instruction
 *                                          ◀──repasser_en_construction──            │
 *   en_instruction ──accepter / refuser / classer_sans_suite──▶ accepte | refuse | sans_suite
 *   accepte | refuse | sans_suite ──repasser_en_instruction──▶ en_instruction
 *   automatic: declarative procedures, silence vaut accord / refus, filing deadline.
 *
 * This file decides only what may happen (pure functions, tested alone); the
 * services apply it inside a transaction and record it in the history.
 */
import type { DossierState, Text } from "./model.ts";

export const TRANSITIONS = {
  passer_en_construction: { from: ["brouillon"], to: "en_construction", by: ["usager"] },
  passer_en_instruction: { from: ["en_construction"], to: "en_instruction", by: ["instructeur", "api"] },
  passer_automatiquement_en_instruction: { from: ["en_construction"], to: "en_instruction", by: ["systeme"] },
  repasser_en_construction: { from: ["en_instruction"], to: "en_construction", by: ["instructeur", "api"] },
  // a correction request sends an instructed dossier back to the applicant
  repasser_en_construction_avec_correction: { from: ["en_instruction"], to: "en_construction", by: ["instructeur", "api"] },
  accepter: { from: ["en_instruction"], to: "accepte", by: ["instructeur", "api"] },
  refuser: { from: ["en_instruction"], to: "refuse", by: ["instructeur", "api"] },
  classer_sans_suite: { from: ["en_instruction"], to: "sans_suite", by: ["instructeur", "api"] },
  accepter_automatiquement: { from: ["en_construction", "en_instruction"], to: "accepte", by: ["systeme"] },
  refuser_automatiquement: { from: ["en_instruction"], to: "refuse", by: ["systeme"] },
  repasser_en_instruction: { from: ["accepte", "refuse", "sans_suite"], to: "en_instruction", by: ["instructeur", "api"] },
} as const satisfies Record<string, { from: readonly DossierState[]; to: DossierState; by: readonly Actor[] }>;

export type TransitionName = keyof typeof TRANSITIONS;
export type Actor = "usager" | "instructeur" | "systeme" | "api";

/** What the guards look at besides the state. */
export interface DossierFacts {
  state: DossierState;
  /** A correction request not yet answered by the applicant. */
  pendingCorrection: boolean;
  /** Mandatory private annotations left empty (their labels). */
  missingMandatoryAnnotations: string[];
  /** The procedure decides by "silence vaut accord / refus". */
  svaSvr: boolean;
  /** The procedure accepts dossiers (published, or unpublished for those already begun; tests allow previews). */
  acceptsSubmissions: boolean;
}

export interface TransitionInput {
  motivation?: string | undefined;
}

export type Refusal = { code: string; message: Text };

const STATE_LABELS: Record<DossierState, Text> = {
  brouillon: { fr: "brouillon", en: "draft" },
  en_construction: { fr: "en construction", en: "being completed" },
  en_instruction: { fr: "en instruction", en: "under review" },
  accepte: { fr: "accepté", en: "accepted" },
  refuse: { fr: "refusé", en: "refused" },
  sans_suite: { fr: "classé sans suite", en: "closed without action" },
};

export const stateLabel = (state: DossierState): Text => STATE_LABELS[state];

/** Why `name` may not happen now (undefined: it may). */
export function refusal(name: TransitionName, actor: Actor, facts: DossierFacts, input: TransitionInput = {}): Refusal | undefined {
  const t = TRANSITIONS[name];
  if (!(t.by as readonly Actor[]).includes(actor)) {
    return {
      code: "transition_not_allowed_for_actor",
      message: { fr: "Vous ne pouvez pas effectuer cette action sur ce dossier.", en: "You may not perform this action on this dossier." },
    };
  }
  if (!(t.from as readonly DossierState[]).includes(facts.state)) {
    const label = STATE_LABELS[facts.state];
    return {
      code: "invalid_transition",
      message: {
        fr: `Impossible : le dossier est ${label.fr}. Rechargez la page pour voir son état actuel.`,
        en: `Not possible: the dossier is ${label.en}. Reload the page to see its current state.`,
      },
    };
  }
  if (name === "passer_en_construction" && !facts.acceptsSubmissions) {
    return {
      code: "procedure_closed",
      message: {
        fr: "Cette démarche n’accepte plus de nouveaux dossiers.",
        en: "This procedure no longer accepts new dossiers.",
      },
    };
  }
  if (name === "passer_en_instruction" && facts.pendingCorrection) {
    return {
      code: "correction_pending",
      message: {
        fr: "Une demande de correction attend la réponse du demandeur : le dossier ne peut pas passer en instruction.",
        en: "A correction request awaits the applicant's answer: the dossier cannot go under review.",
      },
    };
  }
  // DS: with "silence vaut accord / refus" a dossier goes back to the applicant only through a
  // correction request, which suspends the clock until the applicant corrects it
  if (name === "repasser_en_construction" && facts.svaSvr) {
    return {
      code: "sva_svr_forbids",
      message: {
        fr: "Cette démarche décide par « silence vaut accord / refus » : le dossier ne peut pas être repassé en construction (demandez une correction).",
        en: "This procedure decides by “silence means consent / refusal”: the dossier cannot go back to the applicant (ask for a correction).",
      },
    };
  }
  if ((name === "accepter" || name === "refuser" || name === "classer_sans_suite") && facts.missingMandatoryAnnotations.length > 0) {
    return {
      code: "mandatory_annotations_missing",
      message: {
        fr: `Remplissez d’abord les annotations privées obligatoires : ${facts.missingMandatoryAnnotations.join(", ")}.`,
        en: `Fill in the mandatory private annotations first: ${facts.missingMandatoryAnnotations.join(", ")}.`,
      },
    };
  }
  if (name === "refuser" && !input.motivation?.trim()) {
    return {
      code: "motivation_required",
      message: { fr: "Indiquez le motif du refus.", en: "Give the reason for the refusal." },
    };
  }
  return undefined;
}

/** The transitions `actor` may make now, in display order. */
export function availableTransitions(actor: Actor, facts: DossierFacts): TransitionName[] {
  return (Object.keys(TRANSITIONS) as TransitionName[]).filter(
    // motivation is asked for on the form itself: not a reason to hide the action
    (name) => refusal(name, actor, facts, { motivation: "x" }) === undefined,
  );
}

/** The traitement event DS's API names for a transition (TraitementEvent). */
export const TRAITEMENT_EVENTS: Record<TransitionName, string> = {
  passer_en_construction: "depose",
  passer_en_instruction: "passe_en_instruction",
  passer_automatiquement_en_instruction: "passe_en_instruction_automatiquement",
  repasser_en_construction: "repasse_en_construction",
  repasser_en_construction_avec_correction: "repasse_en_construction_avec_correction",
  accepter: "accepte",
  refuser: "refuse",
  classer_sans_suite: "classe_sans_suite",
  accepter_automatiquement: "accepte_automatiquement",
  refuser_automatiquement: "refuse_automatiquement",
  repasser_en_instruction: "repasse_en_instruction",
};

/**
 * The date a "silence vaut accord / refus" decision falls due: `period` days,
 * weeks or months after `from` (a calendar date, YYYY-MM-DD). Months keep the day
 * of the month, clamped to the month's last day (31 January + 1 month = 28/29 February).
 */
export function svaSvrDueDate(from: string, period: number, unit: "day" | "week" | "month"): string {
  const [y, m, d] = from.split("-").map(Number) as [number, number, number];
  if (unit !== "month") {
    const date = new Date(Date.UTC(y, m - 1, d + period * (unit === "week" ? 7 : 1)));
    return date.toISOString().slice(0, 10);
  }
  const monthIndex = m - 1 + period;
  const year = y + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(d, lastDay))).toISOString().slice(0, 10);
}
