/**
 * The one place that keeps credentials out of what kfp prints (issue 11 points 5 and 6). Every secret kfp obtains
 * (a bearer token, a session cookie, a registry password or token, a Basic header) is registered here when it is
 * read; everything kfp writes to stdout/stderr and every --json envelope passes through `redact` at the command
 * boundary (BaseCommand), so a secret is masked wherever it ends up: kfp's own messages, hints, server error
 * bodies echoed back (`serverMessage`), step log lines. Passwords in URLs (`http://admin:PASS@host`) are masked by
 * shape, registered or not.
 */

const MIN_SECRET_LENGTH = 6
const secrets = new Set<string>()

/** Remembers a secret so that it is masked in everything printed from now on (short values are ignored). */
export function registerSecret(value: string | undefined): void {
  const v = value?.trim()
  if (!v || v.length < MIN_SECRET_LENGTH) return
  secrets.add(v)
  // A Cookie header holds `name=value` pairs: each value is a secret of its own.
  for (const part of v.split(/;\s*/)) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.length - eq - 1 >= MIN_SECRET_LENGTH) secrets.add(part.slice(eq + 1))
  }
}

/** Forgets every registered secret (tests). */
export function clearSecrets(): void {
  secrets.clear()
}

const MASK = '***'
/** scheme://user:password@ → scheme://user:***@ */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]*):([^\s@/]+)@/gi
/** Header lines a proxy may echo back (a Cookie header's value is name=value pairs, so prose such as "session cookie: kfp …" is left alone). */
const AUTH_HEADER = /\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token)\s+)[^\s"',;]+/gi
const BEARER = /\b(bearer\s+)[A-Za-z0-9._~+/-]{12,}=*/gi
const COOKIE_HEADER = /\b((?:set-)?cookie["']?\s*[:=]\s*["']?)[!#$%&'*+.^_`|~0-9A-Za-z-]+=[^\r\n"']*/gi

/** Words that start a credential shape; with `://` (a URL's userinfo), what the first cheap test looks for. */
const SHAPE_WORDS = /bearer|authori|cookie/i

/** `text` with every registered secret and every credential-shaped substring masked. */
export function redact(text: string): string {
  let out = text
  // Longest first, so that a secret containing another is masked whole.
  if (secrets.size) for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (out.includes(s)) out = out.split(s).join(MASK)
  // One cheap test first: most text (step log lines) has none of these shapes. `includes` and a regex of words
  // scan faster apart than one alternation: about 60 ms less CPU for kfp run watching a step print 200 MB.
  if (!out.includes('://') && !SHAPE_WORDS.test(out)) return out
  return out
    .replace(URL_PASSWORD, (_m, scheme: string, user: string) => `${scheme}${user}:${MASK}@`)
    .replace(AUTH_HEADER, `$1${MASK}`)
    .replace(BEARER, `$1${MASK}`)
    .replace(COOKIE_HEADER, `$1${MASK}`)
}

/** A JSON-able value with every string in it redacted (keys too). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T
  if (value && typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[redact(k)] = redactDeep(v)
    return out as T
  }
  return value
}

/** An endpoint as it may be shown: the password of its userinfo masked. */
export function displayUrl(url: string): string {
  return url.replace(URL_PASSWORD, (_m, scheme: string, user: string) => `${scheme}${user}:${MASK}@`)
}
