/**
 * `s` as a flat string of its own, so that keeping it keeps nothing else alive.
 *
 * V8 makes a substring of 13 characters or more a view into its parent (a sliced string), and a
 * concatenation of that length a pair of pointers to its halves (a cons string). A value kept for
 * the rest of a phase that is such a view keeps its whole parent: a 16-64 KB piece of a feed's
 * body for a Picasa title, an entry's whole archive path for a Takeout file name, a 64-character
 * hex digest for a 24-character id.
 *
 * A JSON round trip makes a new sequential string: the exact characters (lone surrogates are
 * escaped and restored), 16 bytes and the characters. Concatenating then slicing, which this did
 * before, left a view of 32 bytes into a flattened copy: a 26-character name took 81 bytes
 * instead of 49, about 130 bytes an item of a Takeout catalogue. Measured: no slower.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}
