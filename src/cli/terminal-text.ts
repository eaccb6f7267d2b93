/** C0 controls but tab and line feed, DEL, and C1 controls: bytes a terminal may act on (ESC starts colour, title and cursor sequences). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** The same, line feed included: for text that must stay on one line (a file name, a value). */
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_OR_NEWLINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

function escape(character: string): string {
  return `\\x${character.charCodeAt(0).toString(16).padStart(2, "0")}`;
}

/** Text from files (names, values, diff lines) made safe to print: each control character shown as `\xHH`. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, escape);
}

/** As `terminalSafe`, and line breaks escaped too, for a field printed within one line. */
export function terminalField(text: string): string {
  return text.replace(CONTROL_OR_NEWLINE, escape);
}
