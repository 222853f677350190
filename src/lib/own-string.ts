/**
 * `s` as a string of its own, so that keeping it keeps nothing else alive.
 *
 * V8 makes a substring of 13 characters or more a view into its parent (a sliced string), and a
 * concatenation of that length a pair of pointers to its halves (a cons string). A value kept for
 * the rest of a phase that is such a view keeps its whole parent: a 16-64 KB piece of a feed's
 * body for a Picasa title, an entry's whole archive path for a Takeout file name, a 64-character
 * hex digest for a 24-character id. Concatenating then slicing makes V8 flatten the pair into a
 * new string first, and the result views only that.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : ` ${s}`.slice(1);
}
