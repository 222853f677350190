/**
 * Secret Manager resource names: `projects/P/secrets/S/versions/V`, V a version number or
 * `latest`. P is a project ID or number, S a secret ID (letters, digits, `-` and `_`).
 */

export interface SecretVersionName {
  project: string;
  secret: string;
  /** A version number as text ('3'), or 'latest'. */
  version: string;
  /** `projects/P/secrets/S`: the parent for addVersion. */
  secretName: string;
  /** The whole name as given. */
  name: string;
}

const PROJECT = /^(?:[a-z][a-z0-9.:-]{0,98}[a-z0-9]|[0-9]{1,20})$/;
const SECRET = /^[A-Za-z0-9_-]{1,255}$/;
const VERSION = /^(?:latest|[1-9][0-9]{0,18})$/;

/**
 * Parses a version name, or returns why it is not one (a sentence that completes
 * "`tokenSecret` ..."; the name itself is not secret and may be echoed by the caller).
 */
export function parseSecretVersionName(name: string): SecretVersionName | { problem: string } {
  const parts = name.trim().split('/');
  if (parts.length === 4 && parts[0] === 'projects' && parts[2] === 'secrets') {
    return {
      problem:
        'names a secret but no version: add /versions/latest (or a version number), as in projects/P/secrets/S/versions/latest',
    };
  }
  if (
    parts.length !== 6 ||
    parts[0] !== 'projects' ||
    parts[2] !== 'secrets' ||
    parts[4] !== 'versions'
  ) {
    return { problem: 'must look like projects/P/secrets/S/versions/V (V a number or latest)' };
  }
  const [, project = '', , secret = '', , version = ''] = parts;
  if (!PROJECT.test(project)) {
    return {
      problem: `has a project \`${project}\` that is neither a project ID nor a project number`,
    };
  }
  if (!SECRET.test(secret)) {
    return {
      problem: `has a secret ID \`${secret}\` with characters other than letters, digits, - and _ (or longer than 255)`,
    };
  }
  if (!VERSION.test(version)) {
    return {
      problem: `has a version \`${version}\`; expected a version number (1, 2, ...) or latest`,
    };
  }
  return {
    project,
    secret,
    version,
    secretName: `projects/${project}/secrets/${secret}`,
    name: parts.join('/'),
  };
}
