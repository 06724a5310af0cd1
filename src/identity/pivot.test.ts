import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { FRANCE, identityHash, type PivotIdentity, pairwiseSub, validatePivot } from "./pivot.ts";
import { luhnValid, validateProfessional } from "./professional.ts";

const digits = (n: number) => fc.stringMatching(new RegExp(`^\\d{${n}}$`));
const pivot: fc.Arbitrary<PivotIdentity> = fc.record({
  given_name: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() === s && s.length > 0),
  family_name: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() === s && s.length > 0),
  birthdate: fc
    .date({ min: new Date("1900-01-01"), max: new Date("2025-12-31"), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  gender: fc.constantFrom("male" as const, "female" as const),
  birthplace: digits(5),
  birthcountry: fc.oneof(fc.constant(FRANCE), digits(5)),
});

describe("pivot identity and pairwise subjects", () => {
  test("property: a sub is 64 hex characters and 'v1', stable for a person and sector, different across sectors", () => {
    fc.assert(
      fc.property(
        pivot,
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 16 }),
        (p, sectorA, sectorB, secret) => {
          const account = identityHash(p);
          const sub = pairwiseSub(sectorA, account, secret);
          assert.match(sub, /^[0-9a-f]{64}v1$/);
          assert.equal(pairwiseSub(sectorA, identityHash({ ...p }), secret), sub, "same person, same sector: same sub");
          if (sectorA !== sectorB) assert.notEqual(pairwiseSub(sectorB, account, secret), sub);
        },
      ),
    );
  });

  test("property: the identity hash ignores the birthplace of people born abroad, and only then", () => {
    fc.assert(
      fc.property(pivot, digits(5), (p, otherPlace) => {
        const moved = { ...p, birthplace: otherPlace };
        if (p.birthcountry === FRANCE) {
          if (otherPlace !== p.birthplace) assert.notEqual(identityHash(moved), identityHash(p));
        } else {
          assert.equal(identityHash(moved), identityHash(p));
        }
      }),
    );
  });

  test("property: validatePivot accepts FranceConnect's formats and names every claim at fault", () => {
    fc.assert(
      fc.property(pivot, (p) => {
        const result = validatePivot({ ...p });
        assert.ok("identity" in result, JSON.stringify(result));
      }),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.constant(null))), (claims) => {
        const result = validatePivot(claims);
        if ("problems" in result) for (const problem of result.problems) assert.ok(problem.field.length > 0);
      }),
    );
    const bad = validatePivot({
      given_name: "A",
      family_name: "B",
      birthdate: "12/03/1985",
      gender: "f",
      birthplace: "75056",
      birthcountry: "France",
    });
    assert.deepEqual("problems" in bad ? bad.problems.map((p) => p.field) : [], ["birthdate", "gender", "birthcountry"]);
  });

  test("siret keys: the demo SIRETs pass, a changed digit fails", () => {
    assert.ok(luhnValid("13002526500005"));
    assert.ok(!luhnValid("13002526500006"));
    const missing = validateProfessional({ given_name: "A", usual_name: "B", email: "a@b.test", uid: "1", siret: "13002526500006" });
    assert.deepEqual("problems" in missing ? missing.problems.map((p) => p.field) : [], ["siret"]);
  });
});
