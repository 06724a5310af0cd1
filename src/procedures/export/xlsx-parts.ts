/*
 * The fixed parts of an XLSX package (ECMA-376, SpreadsheetML) around the
 * worksheets: content types, relationships, workbook, styles, document
 * properties; and Excel's rules for sheet names.
 */
import { uniqueNames } from "./cell.ts";
import { escapeXmlAttribute, escapeXmlText, removeInvalidXmlCharacters, XML_DECLARATION } from "./xml.ts";

const MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PACKAGE_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships";

/** Indexes into styles.xml's cellXfs. */
export const STYLE = {
  default: 0,
  header: 1,
  date: 2,
  dateTime: 3,
  /** A text cell shown as typed, never taken for a formula, even once edited (the cell's "quote prefix"). */
  quotedText: 4,
  quotedHeader: 5,
} as const;

export function worksheetPath(index: number): string {
  return `xl/worksheets/sheet${index + 1}.xml`;
}

export function contentTypes(sheetCount: number): string {
  const sheets = Array.from(
    { length: sheetCount },
    (_, i) =>
      `<Override PartName="/${worksheetPath(i)}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
  );
  return `${XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>\
${sheets.join("")}</Types>`;
}

export function packageRelationships(): string {
  return `${XML_DECLARATION}<Relationships xmlns="${PACKAGE_RELATIONSHIPS_NS}">\
<Relationship Id="rId1" Type="${RELATIONSHIPS_NS}/officeDocument" Target="xl/workbook.xml"/>\
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>\
<Relationship Id="rId3" Type="${RELATIONSHIPS_NS}/extended-properties" Target="docProps/app.xml"/>\
</Relationships>`;
}

export function workbook(sheetNames: readonly string[]): string {
  const sheets = sheetNames.map((name, i) => `<sheet name="${escapeXmlAttribute(name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`);
  return `${XML_DECLARATION}<workbook xmlns="${MAIN_NS}" xmlns:r="${RELATIONSHIPS_NS}">\
<bookViews><workbookView activeTab="0"/></bookViews><sheets>${sheets.join("")}</sheets></workbook>`;
}

export function workbookRelationships(sheetCount: number): string {
  const sheets = Array.from(
    { length: sheetCount },
    (_, i) => `<Relationship Id="rId${i + 1}" Type="${RELATIONSHIPS_NS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
  );
  return `${XML_DECLARATION}<Relationships xmlns="${PACKAGE_RELATIONSHIPS_NS}">${sheets.join("")}\
<Relationship Id="rId${sheetCount + 1}" Type="${RELATIONSHIPS_NS}/styles" Target="styles.xml"/></Relationships>`;
}

/** Dates and date-times in the French order, whatever the reader's locale (the export is French). */
export function styles(): string {
  const font = (bold: boolean) => `<font>${bold ? "<b/>" : ""}<sz val="11"/><name val="Calibri"/><family val="2"/></font>`;
  const xf = (numFmtId: number, fontId: number, extra = "") =>
    `<xf numFmtId="${numFmtId}" fontId="${fontId}" fillId="0" borderId="0" xfId="0"${extra}/>`;
  const cellXfs = [
    xf(0, 0), // STYLE.default
    xf(0, 1, ' applyFont="1"'), // STYLE.header
    xf(164, 0, ' applyNumberFormat="1"'), // STYLE.date
    xf(165, 0, ' applyNumberFormat="1"'), // STYLE.dateTime
    xf(0, 0, ' quotePrefix="1"'), // STYLE.quotedText
    xf(0, 1, ' quotePrefix="1" applyFont="1"'), // STYLE.quotedHeader
  ];
  return `${XML_DECLARATION}<styleSheet xmlns="${MAIN_NS}">\
<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/><numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm:ss"/></numFmts>\
<fonts count="2">${font(false)}${font(true)}</fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="${cellXfs.length}">${cellXfs.join("")}</cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>`;
}

export function coreProperties(created: Date, creator: string): string {
  const when = created.toISOString().replace(/\.\d{3}Z$/, "Z");
  return `${XML_DECLARATION}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
<dc:creator>${escapeXmlText(creator)}</dc:creator>\
<dcterms:created xsi:type="dcterms:W3CDTF">${when}</dcterms:created>\
<dcterms:modified xsi:type="dcterms:W3CDTF">${when}</dcterms:modified>\
</cp:coreProperties>`;
}

export function appProperties(application: string): string {
  return `${XML_DECLARATION}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" \
xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>${escapeXmlText(application)}</Application></Properties>`;
}

const SHEET_NAME_MAX = 31;
const SHEET_NAME_REPLACEMENTS: Record<string, string> = { "[": "(", "]": ")", ":": "-", "*": "-", "?": "-", "/": "-", "\\": "-" };

/**
 * Sheet names as Excel requires them: 1 to 31 characters, none of [ ] : * ? / \
 * (brackets become parentheses, the others a hyphen), no control character, not
 * starting or ending with an apostrophe, not "History" (reserved by Excel), and
 * unique without regard to case ("Dossiers", "Dossiers (2)"). An empty name
 * becomes "Feuille N".
 */
export function sheetNames(names: readonly string[]): string[] {
  const cleaned = names.map((name, i) => {
    const text = removeInvalidXmlCharacters(name)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed.
      .replace(/[\u0000-\u001f\u007f]/g, "")
      .replace(/[[\]:*?/\\]/g, (c) => SHEET_NAME_REPLACEMENTS[c] ?? "-")
      .trim()
      .replace(/^'+|'+$/g, "")
      .trim();
    return truncate(text, SHEET_NAME_MAX) || `Feuille ${i + 1}`;
  });
  return uniqueNames(cleaned, {
    key: (name) => name.toLowerCase(),
    fit: (base, suffix) => truncate(base, SHEET_NAME_MAX - suffix.length).replace(/'+$/, "") + suffix,
    reserved: ["History"],
  });
}

/** At most `max` UTF-16 code units, never cutting a surrogate pair in two. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
