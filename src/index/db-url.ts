/** Database URLs as they may be shown to people: never with a password. */

const secretParams = ['password', 'sslpassword', 'sslkey'];

/**
 * Returns `url` without its password (user info keeps the user name) and without query parameters
 * that carry secrets. A string that does not parse as a URL is replaced by a placeholder, since it
 * could be a libpq key/value string with a password in it.
 */
export function redactDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<unparsable database URL>';
  }
  parsed.password = '';
  for (const p of secretParams) parsed.searchParams.delete(p);
  return parsed.toString();
}
