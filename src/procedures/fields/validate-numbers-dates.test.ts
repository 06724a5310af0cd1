import { describe, it } from "node:test";
import { accepts, ctx, field, rejects } from "./testing.ts";

describe("integer_number", () => {
  const integer = field("integer_number");
  it("reads whole numbers as people write them", async () => {
    await accepts(integer, "1000", 1000);
    await accepts(integer, "1 000", 1000);
    await accepts(integer, "1\u202f000\u00a0000", 1_000_000);
    await accepts(integer, "-12", -12);
    await accepts(integer, "+7", 7);
    await accepts(integer, "−3", -3);
    await accepts(integer, "007", 7);
    await accepts(integer, "-0", 0);
    await accepts(integer, "", undefined);
  });
  it("refuses decimals and text", async () => {
    await rejects(integer, "1,5", "Saisissez un nombre entier, sans virgule ni point, par exemple 12 ou 1 500", {
      en: "Enter a whole number, without a decimal separator, for example 12 or 1500",
    });
    await rejects(integer, "1.000", "Saisissez un nombre entier, sans virgule ni point, par exemple 12 ou 1 500");
    await rejects(integer, "douze", "Saisissez un nombre entier, par exemple 12");
    await rejects(integer, "12 34", "Saisissez un nombre entier, par exemple 12");
    await rejects(integer, "1234567890123456", "Ce nombre est trop grand : saisissez au plus 15 chiffres");
  });
  it("checks the bounds, inclusive", async () => {
    await accepts(field("integer_number", { min: 1, max: 10 }), "10", 10);
    await rejects(field("integer_number", { min: 1, max: 10 }), "11", "Saisissez un nombre compris entre 1 et 10");
    await rejects(field("integer_number", { min: 1000 }), "999", "Saisissez un nombre supérieur ou égal à 1\u00a0000", {
      en: "Enter a number greater than or equal to 1,000",
    });
    await rejects(field("integer_number", { max: 0 }), "1", "Saisissez un nombre inférieur ou égal à 0");
  });
});

describe("decimal_number", () => {
  const decimal = field("decimal_number");
  it("accepts a comma or a dot, up to 3 decimals", async () => {
    await accepts(decimal, "12,5", 12.5);
    await accepts(decimal, "12.5", 12.5);
    await accepts(decimal, "1 234,567", 1234.567);
    await accepts(decimal, "-0,5", -0.5);
    await accepts(decimal, ",5", 0.5);
    await accepts(decimal, "3,1400", 3.14);
    await accepts(decimal, "42", 42);
  });
  it("refuses more decimals, and what is not a number", async () => {
    await rejects(decimal, "1,2345", "Saisissez au plus 3 chiffres après la virgule, par exemple 12,125");
    await rejects(decimal, "12,5 €", "Saisissez un nombre, par exemple 12 ou 12,5");
    await rejects(decimal, "1,2,3", "Saisissez un nombre, par exemple 12 ou 12,5");
    await rejects(decimal, "-", "Saisissez un nombre, par exemple 12 ou 12,5");
    await accepts(decimal, "123456789012,345", 123456789012.345);
    await rejects(decimal, "1234567890123,456", "Ce nombre est trop grand : saisissez au plus 15 chiffres");
  });
  it("checks the bounds", async () => {
    await rejects(field("decimal_number", { min: 0.5, max: 2.5 }), "2,6", "Saisissez un nombre compris entre 0,5 et 2,5", {
      en: "Enter a number between 0.5 and 2.5",
    });
  });
});

describe("date", () => {
  const date = field("date");
  it("accepts real ISO dates and French typed ones", async () => {
    await accepts(date, "2024-02-29", "2024-02-29");
    await accepts(date, "14/07/2024", "2024-07-14");
    await accepts(date, "1/2/2000", "2000-02-01");
    await accepts(date, "2000-2-1", "2000-02-01");
  });
  it("refuses impossible dates, saying why", async () => {
    await rejects(date, "2023-02-29", "Cette date n’existe pas : février 2023 compte 28 jours", {
      en: "This date does not exist: February 2023 has 28 days",
    });
    await rejects(date, "31/04/2024", "Cette date n’existe pas : avril 2024 compte 30 jours");
    await rejects(date, "2024-13-01", "Saisissez une date valide, par exemple 14/07/2024");
    await rejects(date, "0999-01-01", "Saisissez une date valide, par exemple 14/07/2024");
    await rejects(date, "demain", "Saisissez une date valide, par exemple 14/07/2024");
    await rejects(date, "2024-07-14T10:00", "Saisissez une date valide, par exemple 14/07/2024");
  });
  it("applies the date range, against the day of filling for past/future only", async () => {
    const past = field("date", { dateRange: { pastOnly: true } });
    await accepts(past, ctx.today, ctx.today);
    await rejects(past, "2025-06-16", "Saisissez une date passée ou celle d’aujourd’hui");
    const future = field("date", { dateRange: { futureOnly: true } });
    await accepts(future, "2025-06-15", "2025-06-15");
    await rejects(future, "2025-06-14", "Saisissez une date à venir ou celle d’aujourd’hui");
    const bounded = field("date", { dateRange: { notBefore: "2024-01-01", notAfter: "2024-12-31" } });
    await rejects(bounded, "2023-12-31", "Saisissez une date à partir du 01/01/2024", { en: "Enter a date on or after 01/01/2024" });
    await rejects(bounded, "2025-01-01", "Saisissez une date au plus tard le 31/12/2024");
    const both = field("date", { dateRange: { notAfter: "2030-01-01", pastOnly: true } });
    await rejects(both, "2026-01-01", "Saisissez une date passée ou celle d’aujourd’hui");
  });
});

describe("datetime", () => {
  const datetime = field("datetime");
  it("accepts browser and typed forms, stored to the minute", async () => {
    await accepts(datetime, "2024-07-14T10:30", "2024-07-14T10:30");
    await accepts(datetime, "2024-07-14T10:30:00", "2024-07-14T10:30");
    await accepts(datetime, "14/07/2024 10:30", "2024-07-14T10:30");
    await accepts(datetime, "14/07/2024 à 9h05", "2024-07-14T09:05");
  });
  it("refuses impossible times, including the hour skipped in spring", async () => {
    await rejects(datetime, "2024-07-14T24:00", "Saisissez une date et une heure valides, par exemple 14/07/2024 à 14:30");
    await rejects(datetime, "2024-07-14", "Saisissez une date et une heure valides, par exemple 14/07/2024 à 14:30");
    await rejects(
      datetime,
      "2025-03-30T02:30",
      "Cette heure n’existe pas en France métropolitaine : ce jour-là, on passe de 2 h à 3 h (heure d’été). Saisissez une autre heure",
    );
    await accepts(datetime, "2025-10-26T02:30", "2025-10-26T02:30");
  });
  it("compares past/future to the minute when the time of filling is known", async () => {
    const future = field("datetime", { dateRange: { futureOnly: true } });
    await accepts(future, "2025-06-15T10:30", "2025-06-15T10:30");
    await rejects(future, "2025-06-15T10:29", "Saisissez une date et une heure à venir");
    const past = field("datetime", { dateRange: { pastOnly: true } });
    await rejects(past, "2025-06-15T10:31", "Saisissez une date et une heure passées");
    const { now: _, ...dayOnly } = ctx;
    await accepts(past, "2025-06-15T23:59", "2025-06-15T23:59", dayOnly);
  });
});
