import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { compile, MAX_PROGRAM, type Program, run, STEPS_PER_POSITION } from "./pattern/automaton.ts";
import { checkPattern, matchesPattern } from "./pattern/index.ts";
import { parsePattern } from "./pattern/parse.ts";

function program(pattern: string): Program {
  return compile(parsePattern(pattern));
}

describe("checkPattern", () => {
  it("accepts the expressions administrators write", () => {
    for (const pattern of [
      "^[0-9]{5}$",
      "\\d{2}\\.\\d{2}\\.\\d{4}",
      "[A-Z]{2}-\\d{3}(-[A-Z])?",
      "(?:FR|MC)\\d{2}[ ]?\\d{4}",
      "^(?<dept>\\d{2}|2[AB])\\d{3}$",
      "[\\p{L} '-]+",
      "[^@\\s]+@[^@\\s]+\\.[a-z]{2,}",
      "\\bW\\d{9}\\b",
      "a*?b+?c??d{1,2}?",
      "[\\u0041-\\u005A\\x30-\\x39]",
      "\\u{1F600}|\\/|\\-|\\.",
      "(a|b|)c",
      "[]]|}",
      "(a+)+$",
      "(a*)*b",
      "(.*a){20}",
    ]) {
      assert.equal(checkPattern(pattern), undefined, pattern);
    }
  });

  it("refuses what is not regular, or not well formed, saying why", () => {
    const cases: [string, string][] = [
      ["", "Saisissez une expression régulière"],
      ["(a)\\1", "Les références arrière (\\1, \\k<nom>) ne sont pas acceptées : répétez plutôt le motif attendu"],
      ["(?<x>a)\\k<x>", "Les références arrière (\\1, \\k<nom>) ne sont pas acceptées : répétez plutôt le motif attendu"],
      ["(?=a)a", "Les assertions (?=…), (?!…), (?<=…) et (?<!…) ne sont pas acceptées : décrivez le format attendu sans elles"],
      ["(?<!a)b", "Les assertions (?=…), (?!…), (?<=…) et (?<!…) ne sont pas acceptées : décrivez le format attendu sans elles"],
      ["(?i)a", "Syntaxe «\u00a0(?\u00a0» non reconnue : seuls (…), (?:…) et (?<nom>…) sont acceptés"],
      ["(ab", "Parenthèse ouvrante «\u00a0(\u00a0» sans parenthèse fermante"],
      ["ab)", "Parenthèse fermante «\u00a0)\u00a0» sans parenthèse ouvrante : écrivez \\) pour le caractère lui-même"],
      ["[ab", "Crochet ouvrant «\u00a0[\u00a0» sans crochet fermant «\u00a0]\u00a0»"],
      ["*a", "Le quantificateur «\u00a0*\u00a0» n’a rien à répéter : écrivez \\* pour le caractère lui-même"],
      ["a**", "Le quantificateur «\u00a0*\u00a0» n’a rien à répéter : écrivez \\* pour le caractère lui-même"],
      ["a{2}{3}", "Le quantificateur «\u00a0{\u00a0» n’a rien à répéter : écrivez \\{ pour le caractère lui-même"],
      ["^*", "Une ancre (^, $, \\b, \\B) ne peut pas être répétée"],
      [
        "a{2,x}",
        "Accolade «\u00a0{\u00a0» mal formée : écrivez {3}, {2,5} ou {2,} après l’élément à répéter, ou \\{ pour le caractère lui-même",
      ],
      ["a{5,2}", "Répétition {5,2} invalide : le minimum dépasse le maximum"],
      ["a{1001}", "Une répétition {n,m} ne peut dépasser 1\u00a0000"],
      ["[z-a]", "Intervalle [z-a] invalide : le premier caractère doit précéder le second"],
      ["[\\d-z]", "Intervalle invalide dans une classe : \\d, \\w, \\s ne peuvent pas borner un intervalle ; écrivez \\- pour le tiret"],
      ["a\\", "Barre oblique inverse «\u00a0\\\u00a0» en fin d’expression"],
      ["\\q", "Séquence «\u00a0\\q\u00a0» inconnue"],
      ["\\p{Klingon}", "Propriété Unicode «\u00a0Klingon\u00a0» inconnue"],
      ["/^a$/i", "Retirez les barres obliques «\u00a0/\u00a0» qui entourent l’expression (et les options qui les suivent)"],
      ["(a{100}){100}", "L’expression est trop complexe (trop de répétitions ou d’alternatives) : simplifiez-la"],
      ["x".repeat(1001), "L’expression dépasse 1\u00a0000 caractères : simplifiez-la"],
    ];
    for (const [pattern, message] of cases) assert.equal(checkPattern(pattern)?.fr, message, pattern);
    assert.equal(checkPattern("(?=a)")?.en.startsWith("Lookaround assertions"), true);
  });
});

describe("matchesPattern", () => {
  it("matches the whole value", () => {
    assert.equal(matchesPattern("[0-9]{5}", "75001"), true);
    assert.equal(matchesPattern("[0-9]{5}", "750012"), false);
    assert.equal(matchesPattern("^[0-9]{5}$", "75001"), true);
    assert.equal(matchesPattern("a|b", "ab"), false);
    assert.equal(matchesPattern("(a|b)*", ""), true);
    assert.equal(matchesPattern("\\bW\\d{9}\\b", "W751234567"), true);
    assert.equal(matchesPattern("a\\Bb", "ab"), true);
    assert.equal(matchesPattern(".", "\n"), false);
    assert.equal(matchesPattern(".", "😀"), true, "code points, not UTF-16 units");
    assert.equal(matchesPattern("[\\p{Lu}]+", "ÉLODIE"), true);
    assert.equal(matchesPattern("\\P{L}+", "123"), true);
    assert.equal(matchesPattern("[^\\d]", "5"), false);
    assert.equal(matchesPattern("(a)\\1", "aa"), undefined);
  });

  /*
   * Differential test: on the syntax both understand, our automaton agrees
   * with V8's RegExp (safe here: short patterns, very short inputs).
   */
  it("agrees with RegExp on random patterns and inputs", () => {
    const ATOMS = ["a", "b", "1", " ", ".", "[ab]", "[^a]", "[a-c1]", "\\d", "\\w", "\\s", "\\D", "\\.", "é"];
    const ANCHORS = ["^", "$", "\\b", "\\B"];
    const QUANTIFIERS = ["", "", "", "*", "+", "?", "{2}", "{0,2}", "{1,}", "*?", "+?"];
    /** Patterns of bounded depth, so that V8's backtracking stays quick on them. */
    const alternation = (depth: number): fc.Arbitrary<string> => {
      const atom =
        depth === 0
          ? fc.constantFrom(...ATOMS)
          : fc.oneof(
              { weight: 4, arbitrary: fc.constantFrom(...ATOMS) },
              { weight: 1, arbitrary: alternation(depth - 1).map((inner) => `(${inner})`) },
              { weight: 1, arbitrary: alternation(depth - 1).map((inner) => `(?:${inner})`) },
            );
      const item = fc.oneof(
        { weight: 5, arbitrary: fc.tuple(atom, fc.constantFrom(...QUANTIFIERS)).map(([a, q]) => a + q) },
        { weight: 1, arbitrary: fc.constantFrom(...ANCHORS) },
      );
      const sequence = fc.array(item, { maxLength: 3 }).map((items) => items.join(""));
      return fc.array(sequence, { minLength: 1, maxLength: 3 }).map((options) => options.join("|"));
    };
    const pattern = alternation(2).filter((p) => p !== "");
    // Six characters at most: on ten, V8 itself can take a minute on some of these patterns.
    const input = fc.array(fc.constantFrom("a", "b", "c", "1", " ", "é", "\n", "_"), { maxLength: 6 }).map((chars) => chars.join(""));
    fc.assert(
      fc.property(pattern, input, (p, s) => {
        const ours = matchesPattern(p, s);
        const theirs = new RegExp(`^(?:${p})$`, "u").test(s);
        assert.equal(ours, theirs, `/${p}/ on ${JSON.stringify(s)}`);
      }),
      { numRuns: 3000 },
    );
  });
});

/*
 * Linear time, by counting: the automaton's steps on an input of n characters
 * never exceed STEPS_PER_POSITION × program length × (n + 1), whatever the
 * pattern (see automaton.ts for why), and the program length is capped. So no
 * accepted pattern can make one validation take more than
 * STEPS_PER_POSITION × MAX_PROGRAM steps per character typed.
 */
describe("linear time", () => {
  const n = 10_000;
  const adversarial = [
    `${"a".repeat(n)}!`,
    "a".repeat(n),
    `${"ab".repeat(n / 2)}c`,
    `${"a1".repeat(n / 2)}\n`,
    Array.from({ length: n }, (_, i) => "ab1 é"[(i * 7919) % 5]).join(""),
  ];

  function assertBounded(pattern: string): void {
    const prog = program(pattern);
    assert.ok(prog.length <= MAX_PROGRAM);
    for (const value of adversarial) {
      const { steps } = run(prog, value);
      const bound = STEPS_PER_POSITION * prog.length * ([...value].length + 1);
      assert.ok(steps <= bound, `/${pattern}/: ${steps} steps > ${bound}`);
    }
  }

  it("holds for the patterns that take exponential time in backtracking engines", () => {
    for (const pattern of [
      "(a+)+$",
      "(a|a)*b",
      "(a*)*b",
      "(a|aa)+$",
      "(.*a){20}",
      "^(a+)+b",
      "(\\w+\\s?)*$",
      "((a|b)*)*c",
      "(a?){30}a{30}",
    ]) {
      assertBounded(pattern);
      assert.equal(matchesPattern(pattern, adversarial[0] as string), false);
    }
  });

  it("holds for every pattern checkPattern accepts (random ones)", () => {
    const pattern = fc
      .array(fc.constantFrom("a", "b", "(", ")", "|", "*", "+", "?", "{2,5}", ".", "[ab]", "\\d", "^", "$", "(?:", "\\b"), {
        maxLength: 20,
      })
      .map((parts) => parts.join(""))
      .filter((p) => checkPattern(p) === undefined);
    fc.assert(
      fc.property(pattern, (p) => assertBounded(p)),
      { numRuns: 200 },
    );
  });

  it("grows in proportion to the input", () => {
    const prog = program("(a|aa)+$");
    const steps = (length: number) => run(prog, `${"a".repeat(length)}!`).steps;
    const ratio = steps(20_000) / steps(10_000);
    assert.ok(ratio > 1.9 && ratio < 2.1, `doubling the input multiplied the steps by ${ratio}`);
  });
});
