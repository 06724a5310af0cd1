import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { DOSSIER_STATES, type DossierState } from "./model.ts";
import {
  type Actor,
  availableTransitions,
  type DossierFacts,
  refusal,
  svaSvrDueDate,
  TRANSITIONS,
  type TransitionName,
} from "./transitions.ts";

const facts = (state: DossierState, more: Partial<DossierFacts> = {}): DossierFacts => ({
  state,
  pendingCorrection: false,
  missingMandatoryAnnotations: [],
  svaSvr: false,
  acceptsSubmissions: true,
  ...more,
});

describe("dossier transitions", () => {
  test("the manual path: submitted, instructed, decided, reopened", () => {
    assert.equal(refusal("passer_en_construction", "usager", facts("brouillon")), undefined);
    assert.equal(refusal("passer_en_instruction", "instructeur", facts("en_construction")), undefined);
    assert.equal(refusal("accepter", "instructeur", facts("en_instruction")), undefined);
    assert.equal(refusal("refuser", "instructeur", facts("en_instruction"), { motivation: "Dossier incomplet" }), undefined);
    assert.equal(refusal("classer_sans_suite", "instructeur", facts("en_instruction")), undefined);
    assert.equal(refusal("repasser_en_instruction", "instructeur", facts("accepte")), undefined);
    assert.equal(refusal("repasser_en_construction", "instructeur", facts("en_instruction")), undefined);
  });

  test("impossible transitions are refused with a clear code", () => {
    assert.equal(refusal("accepter", "instructeur", facts("en_construction"))?.code, "invalid_transition");
    assert.match(refusal("accepter", "instructeur", facts("brouillon"))?.message.fr ?? "", /le dossier est brouillon/);
    assert.equal(refusal("passer_en_construction", "usager", facts("en_instruction"))?.code, "invalid_transition");
    assert.equal(refusal("accepter", "usager", facts("en_instruction"))?.code, "transition_not_allowed_for_actor");
    assert.equal(refusal("accepter_automatiquement", "instructeur", facts("en_instruction"))?.code, "transition_not_allowed_for_actor");
  });

  test("guards: pending correction, missing mandatory annotations, refusal without motivation, SVA/SVR, closed procedure", () => {
    assert.equal(
      refusal("passer_en_instruction", "instructeur", facts("en_construction", { pendingCorrection: true }))?.code,
      "correction_pending",
    );
    const missing = refusal("accepter", "instructeur", facts("en_instruction", { missingMandatoryAnnotations: ["Avis du service"] }));
    assert.equal(missing?.code, "mandatory_annotations_missing");
    assert.match(missing?.message.fr ?? "", /Avis du service/);
    assert.equal(refusal("refuser", "instructeur", facts("en_instruction"), { motivation: "  " })?.code, "motivation_required");
    assert.equal(refusal("repasser_en_construction", "instructeur", facts("en_instruction", { svaSvr: true }))?.code, "sva_svr_forbids");
    // the correction request stays open to SVA/SVR procedures: it suspends the clock
    assert.equal(refusal("repasser_en_construction_avec_correction", "instructeur", facts("en_instruction", { svaSvr: true })), undefined);
    assert.equal(refusal("passer_en_construction", "usager", facts("brouillon", { acceptsSubmissions: false }))?.code, "procedure_closed");
  });

  test("property: a transition is possible exactly from its source states, and leads to its target", () => {
    const names = Object.keys(TRANSITIONS) as TransitionName[];
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.constantFrom(...DOSSIER_STATES), (name, state) => {
        const actor = TRANSITIONS[name].by[0] as Actor;
        const allowed = refusal(name, actor, facts(state), { motivation: "motif" }) === undefined;
        assert.equal(allowed, (TRANSITIONS[name].from as readonly DossierState[]).includes(state));
      }),
    );
    // From a terminal state, an agent can only reopen.
    assert.deepEqual(availableTransitions("instructeur", facts("refuse")), ["repasser_en_instruction"]);
    assert.deepEqual(availableTransitions("usager", facts("en_construction")), []);
  });
});

describe("silence vaut accord / refus due dates", () => {
  test("days, weeks, months (clamped to the month's end), across years", () => {
    assert.equal(svaSvrDueDate("2026-01-15", 10, "day"), "2026-01-25");
    assert.equal(svaSvrDueDate("2026-12-28", 1, "week"), "2027-01-04");
    assert.equal(svaSvrDueDate("2026-01-31", 1, "month"), "2026-02-28");
    assert.equal(svaSvrDueDate("2028-01-31", 1, "month"), "2028-02-29");
    assert.equal(svaSvrDueDate("2026-11-30", 2, "month"), "2027-01-30");
    assert.equal(svaSvrDueDate("2026-03-31", 12, "month"), "2027-03-31");
  });
});
