/**
 * The two zip header fields that need decoding: names and DOS times.
 *
 * Names: bit 11 of the flags says UTF-8. Takeout's names are UTF-8 whether or not a writer sets
 * the bit, so a name without it is read as UTF-8 when its bytes are valid UTF-8 and as CP437 (the
 * zip default, APPNOTE appendix D) only when they are not. The Info-ZIP Unicode path field
 * (0x7075) is not read: UTF-8 names make it redundant.
 */

/** Bit 11 of the general-purpose flags: the name and comment are UTF-8. */
export const FLAG_UTF8 = 0x0800;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/** CP437 bytes 0x80..0xFF; 0x00..0x7F are ASCII. */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀' +
  'αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

export function decodeName(bytes: Uint8Array, flags: number): string {
  if (flags & FLAG_UTF8) return lenientUtf8.decode(bytes);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return decodeCp437(bytes);
  }
}

export function decodeCp437(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return out;
}

/**
 * A DOS date and time as a Date. DOS times carry no zone; they are read as UTC because the zone
 * of the machine that wrote the part is unknown (Takeout writes the requester's local time, and
 * the contract says this time is never a photo's date anyway). Null for a zero date.
 */
export function dosTimeToDate(time: number, date: number): Date | null {
  if (date === 0) return null;
  const year = 1980 + (date >> 9);
  const month = ((date >> 5) & 0x0f) - 1;
  const day = date & 0x1f;
  return new Date(Date.UTC(year, month, day, time >> 11, (time >> 5) & 0x3f, (time & 0x1f) * 2));
}
