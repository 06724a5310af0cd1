/*
 * The field-type library of the procedures module: for every type of
 * FIELD_TYPES, how its input is named and read from a form, validated into a
 * stored value, checked for mandatoriness, displayed, exported and rendered.
 *
 * A page's round trip:
 *   const raw = readField(field, body, { files });              // what was typed
 *   const result = await validateField(field, raw, ctx);        // value or message
 *   if (result.ok) values[field.stableId] = result.value;       // draft saved, even half-filled
 *   renderFieldInput(field, result.ok ? { value } : stateAfterValidation(raw, result), { locale });
 * and at submission checkMandatory(field, value) on each visible field.
 */

export { longDate, numericDate, parisDateTime } from "./dates.ts";
export { displayValue, type ExportCell, exportColumns, exportRowColumns } from "./display.ts";
export { type ChildVisibility, checkMandatory, checkMandatoryRows, isFilled } from "./mandatory.ts";
export {
  addRowAction,
  FIELD_NAME_ROOT,
  FILE_NAME_ROOT,
  type FieldAction,
  fieldName,
  fileInputName,
  isRowId,
  newRowId,
  OTHER_CHOICE,
  parseFieldAction,
  ROW_ID_PATTERN,
  ROWS_SEGMENT,
  removeFileAction,
  removeRowAction,
  type Segment,
} from "./names.ts";
export { type FormBody, type ReadOptions, readField } from "./parse.ts";
export { ADDRESS_PARTS, COMMUNE_PARTS, fieldParts, LINKED_PARTS } from "./parts.ts";
export { checkPattern, matchesPattern } from "./pattern/index.ts";
export { rawOfValue } from "./raw.ts";
export {
  type FieldState,
  implicitSubmitGuard,
  inputId,
  mandatoryLegend,
  type RenderContext,
  renderFieldInput,
  stateAfterValidation,
} from "./render.ts";
export { acceptAttribute, contentTypeOf, kindOfContentType, type SniffedFile, sniffFile, sniffFileKind } from "./sniff.ts";
export type { RawInput, RawRow, ReferentielTable, RowError, Validation, ValidationContext } from "./types.ts";
export { rowErrorText, validateField } from "./validate.ts";
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_FILES } from "./validators/files.ts";
export { FORMATTED_MAX_LENGTH } from "./validators/formatted.ts";
export { TEXT_MAX_LENGTH, TEXTAREA_MAX_LENGTH } from "./validators/texts.ts";
