/* The demo identities, read from the CSV files shipped next to this file. */
import { readFileSync } from "node:fs";

export interface DemoPerson {
  login: string;
  claims: Record<string, string>;
  note: string;
}

/** Reads a simple CSV (no quoted fields: the demo data has no commas inside values). */
export function readPeople(file: URL): DemoPerson[] {
  const [header, ...lines] = readFileSync(file, "utf8")
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  const columns = (header ?? "").split(",");
  return lines.map((line, i) => {
    const values = line.split(",");
    if (values.length !== columns.length)
      throw new Error(`${file.pathname}:${i + 2}: expected ${columns.length} fields, got ${values.length}`);
    const row = Object.fromEntries(columns.map((c, j) => [c, values[j] ?? ""]));
    const { login = "", note = "", ...claims } = row;
    return { login, note, claims: Object.fromEntries(Object.entries(claims).filter(([k, v]) => v !== "" || k === "birthplace")) };
  });
}

export const CITIZENS = new URL("./citizens.csv", import.meta.url);
export const PROFESSIONALS = new URL("./professionals.csv", import.meta.url);
export const AGENTS = new URL("./agents.csv", import.meta.url);
