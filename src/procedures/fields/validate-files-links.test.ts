import { describe, it } from "node:test";
import type { FileRef } from "../model.ts";
import { accepts, ctx, field, rejects } from "./testing.ts";
import type { RawInput } from "./types.ts";

function file(id: string, filename: string, contentType: string, size = 1000): FileRef {
  return { id, filename, contentType, size };
}

const files = (list: unknown[]): RawInput => ({ kind: "files", files: list as FileRef[] });

describe("piece_justificative", () => {
  const pdf = file("f1", "avis.pdf", "application/pdf");
  const photo = file("f2", "photo.jpg", "image/jpeg");
  it("keeps the attached files", async () => {
    await accepts(field("piece_justificative"), files([pdf, photo]), [pdf, photo]);
    await accepts(field("piece_justificative"), files([]), undefined);
    await accepts(field("piece_justificative"), files([pdf, { ...pdf }]), [pdf]);
  });
  it("refuses more than maxFiles, 10 by default", async () => {
    await rejects(
      field("piece_justificative", { maxFiles: 1 }),
      files([pdf, photo]),
      "Vous pouvez joindre au plus 1 fichier : retirez-en 1",
      {
        en: "You can attach at most 1 file: remove 1",
      },
    );
    const eleven = Array.from({ length: 11 }, (_, i) => file(`f${i}`, `${i}.pdf`, "application/pdf"));
    await rejects(field("piece_justificative"), files(eleven), "Vous pouvez joindre au plus 10 fichiers : retirez-en 1");
  });
  it("refuses files above maxBytes, 20 MB by default", async () => {
    await rejects(
      field("piece_justificative"),
      files([file("big", "scan.pdf", "application/pdf", 25 * 1024 * 1024)]),
      "Le fichier «\u00a0scan.pdf\u00a0» est trop volumineux (25\u00a0Mo) : la taille maximale est de 20\u00a0Mo. Réduisez-le ou joignez-en une version compressée",
    );
    await accepts(field("piece_justificative"), files([file("ok", "scan.pdf", "application/pdf", 20 * 1024 * 1024)]), [
      file("ok", "scan.pdf", "application/pdf", 20 * 1024 * 1024),
    ]);
  });
  it("checks the kinds of file accepted", async () => {
    const pdfOnly = field("piece_justificative", { acceptedKinds: ["pdf", "image"] });
    await accepts(pdfOnly, files([pdf, photo]), [pdf, photo]);
    await rejects(
      pdfOnly,
      files([file("x", "tableau.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]),
      "Le fichier «\u00a0tableau.xlsx\u00a0» n’est pas dans un format accepté : joignez un fichier PDF ou image (JPG, PNG, GIF, WebP, HEIC)",
    );
  });
  it("refuses a malformed file reference", async () => {
    await rejects(
      field("piece_justificative"),
      files([{ id: "x", filename: "a", contentType: "text/plain", size: -1 }]),
      "Un fichier joint est illisible : retirez-le puis joignez-le à nouveau",
    );
  });
});

describe("dossier_link", () => {
  const link = field("dossier_link");
  it("accepts the number of an existing dossier", async () => {
    await accepts(link, "42", 42);
    await accepts(link, "n° 1 000", 1000);
    await accepts(link, "#42", 42);
  });
  it("refuses what is not a dossier number, or an unknown one", async () => {
    await rejects(
      link,
      "abc",
      "Saisissez le numéro du dossier, un nombre entier, par exemple 123456. Il figure dans l’accusé de réception du dossier",
    );
    await rejects(
      link,
      "0",
      "Saisissez le numéro du dossier, un nombre entier, par exemple 123456. Il figure dans l’accusé de réception du dossier",
    );
    await rejects(link, "43", "Aucun dossier ne porte le numéro 43 : vérifiez-le dans l’accusé de réception du dossier", {
      en: "No file has number 43: check it on the file’s acknowledgement of receipt",
    });
  });
});

describe("referentiel", () => {
  const referentiel = field("referentiel", { referentielId: "ref" });
  it("accepts a value of the first column, canonical spelling stored", async () => {
    await accepts(referentiel, "A-100", "A-100");
    await accepts(referentiel, "a 100", "A-100");
    await accepts(referentiel, "paris", "Paris");
  });
  it("refuses others", async () => {
    await rejects(referentiel, "Premier", "«\u00a0Premier\u00a0» ne fait pas partie des valeurs acceptées : vérifiez votre saisie");
  });
  it("refuses everything when its referential is missing", async () => {
    const message =
      "Ce champ ne peut pas être vérifié : sa liste de référence est introuvable. Contactez l’administration qui gère la démarche";
    await rejects(field("referentiel", { referentielId: "gone" }), "A-100", message, { ctx });
    await rejects(field("referentiel"), "A-100", message);
  });
});
