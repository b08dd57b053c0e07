/**
 * Logs in to a Kubeflow platform through Dex's username/password form and returns the session cookie, the way the
 * Kubeflow docs' `KFPClientManager` does it (kubeflow.org "Connect the SDK to the API", Dex static credentials):
 *
 * 1. GET a protected URL: the auth proxy (oidc-authservice, or oauth2-proxy on Kubeflow 1.9+) redirects to Dex
 *    (`/dex/auth?client_id=…&redirect_uri=…&state=…`), which redirects to its connector (`/dex/auth/local…`), which
 *    redirects to the form (`/dex/auth/local/login?back=&state=…`).
 *    A page at `…/auth` (several connectors) is followed to `…/auth/local`.
 * 2. POST `login` and `password` (form-urlencoded) to the form's URL. Wrong credentials: Dex answers the form again (200,
 *    no redirect). Right ones: 303 to `/dex/approval?req=…`, which (with `skipApprovalScreen`, Kubeflow's setting)
 *    redirects to the proxy's callback; an approval page instead gets `approval=approve` POSTed.
 * 3. The callback (`/authservice/oidc/callback` or `/oauth2/callback`) sets the session cookie (`authservice_session`
 *    or `oauth2_proxy_kubeflow`) and redirects back.
 *
 * Cookies are kept per host as a browser would (name → value, with Max-Age/Expires). Nothing here prints: the password
 * and the cookie never reach a message; errors say which step failed.
 */
import http from 'node:http'
import https from 'node:https'
import {CliError, EXIT} from '../lib/errors.js'

export interface DexLoginOptions {
  /** A URL behind the login, e.g. `<endpoint>/apis/v2beta1/healthz`. */
  url: string
  username: string
  password: string
  ca?: string | Buffer
  insecure?: boolean
  timeoutMs?: number
  /** Connector path segment (`local` for Dex's static passwords / LDAP-less logins). */
  connector?: string
  now?: () => Date
}

export interface DexSession {
  /** The Cookie header value: every cookie the auth proxy set (`authservice_session=…`, `oauth2_proxy_kubeflow=…`). */
  cookie: string
  /** Name of the session cookie found. */
  cookieName: string
  /** When the session cookie expires (ISO), when the proxy said. */
  expiresAt?: string
}

/** Names of the session cookies of Kubeflow's auth proxies. */
export const SESSION_COOKIES = ['authservice_session', 'oauth2_proxy_kubeflow']

interface Res {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
  url: URL
}

interface Cookie {
  value: string
  expires?: number
}

/** Runs the Dex form login; throws SERVER_AUTH (exit 4) for refused credentials, SERVER_NOT_JSON for an unknown flow. */
export async function dexLogin(o: DexLoginOptions): Promise<DexSession> {
  const jar = new Map<string, Map<string, Cookie>>()
  const now = () => (o.now ? o.now() : new Date()).getTime()
  const fail = (step: string, hint?: string): never => {
    throw new CliError('SERVER_NOT_JSON', `Dex login at ${new URL(o.url).origin}: ${step}.`, {
      exit: EXIT.AUTH,
      hints: [hint ?? 'Check the endpoint: it must be the Kubeflow URL (https://HOST/pipeline) behind the Dex login.', 'Or use a session cookie from your browser: kfp target add NAME --endpoint URL --cookie-file FILE'],
    })
  }

  function send(method: string, url: URL, form?: Record<string, string>): Promise<Res> {
    const cookies = [...(jar.get(url.host) ?? new Map()).entries()].filter(([, c]) => !c.expires || c.expires > now())
    const headers: Record<string, string> = {accept: 'text/html,application/json'}
    if (cookies.length) headers.cookie = cookies.map(([k, c]) => `${k}=${c.value}`).join('; ')
    const payload = form ? Buffer.from(new URLSearchParams(form).toString()) : undefined
    if (payload) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      headers['content-length'] = String(payload.length)
    }
    const isHttps = url.protocol === 'https:'
    return new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request(url, {method, headers, ...(isHttps ? {ca: o.ca, rejectUnauthorized: !o.insecure} : {})}, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), url}))
        res.on('error', reject)
      })
      req.setTimeout(o.timeoutMs ?? 30_000, () => req.destroy(new Error('timeout')))
      req.on('error', reject)
      req.end(payload)
    })
  }

  function keepCookies(res: Res): void {
    const set = res.headers['set-cookie'] ?? []
    const host = jar.get(res.url.host) ?? new Map<string, Cookie>()
    jar.set(res.url.host, host)
    for (const line of set) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const name = pair.slice(0, eq).trim()
      const cookie: Cookie = {value: pair.slice(eq + 1).trim()}
      for (const a of attrs) {
        const [k, v = ''] = a.split('=')
        const key = k.trim().toLowerCase()
        if (key === 'max-age') cookie.expires = now() + Number(v) * 1000
        else if (key === 'expires' && cookie.expires === undefined && !Number.isNaN(Date.parse(v))) cookie.expires = Date.parse(v)
      }
      if (cookie.expires !== undefined && cookie.expires <= now()) host.delete(name)
      else host.set(name, cookie)
    }
  }

  /** Sends and follows redirects (303 and 302 become GET, as browsers do), keeping cookies. */
  async function go(method: string, url: URL, form?: Record<string, string>): Promise<Res> {
    let res = await send(method, url, form)
    keepCookies(res)
    for (let hops = 0; res.status >= 300 && res.status < 400 && res.headers.location; hops++) {
      if (hops > 15) fail('too many redirects')
      const next = new URL(res.headers.location, res.url)
      res = await send('GET', next)
      keepCookies(res)
    }
    return res
  }

  const connector = o.connector ?? 'local'
  let page: Res
  try {
    page = await go('GET', new URL(o.url))
    if (/\/auth\/?$/.test(page.url.pathname)) {
      // Dex's connector choice: take the password connector.
      const u = new URL(page.url)
      u.pathname = u.pathname.replace(/\/auth\/?$/, `/auth/${connector}`)
      page = await go('GET', u)
    }
  } catch (error) {
    throw new CliError('SERVER_UNREACHABLE', `Cannot reach ${new URL(o.url).origin} for the Dex login (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, {
      exit: EXIT.REMOTE,
      hints: ['Is the endpoint right? kfp target list shows it.'],
    })
  }
  const found = sessionOf(jar, page.url.host)
  if (found) return found // already logged in (e.g. a proxy that lets this client through)
  if (page.status !== 200 || !/\/auth\/[^/]+\/login$/.test(page.url.pathname)) {
    fail(page.status === 200 && /json/.test(String(page.headers['content-type'])) ? 'the server answered without asking for a login (no Dex in front of it)' : `no Dex login form (ended at ${page.url.pathname}, HTTP ${page.status})`)
  }
  const action = formAction(page.body)
  const loginUrl = action ? new URL(action, page.url) : page.url
  let after = await go('POST', loginUrl, {login: o.username, password: o.password})
  if (/\/approval$/.test(after.url.pathname) && after.status === 200) {
    const approve = formAction(after.body)
    after = await go('POST', approve ? new URL(approve, after.url) : after.url, {approval: 'approve'})
  }
  const session = sessionOf(jar, after.url.host)
  if (!session) {
    if (/\/auth\/[^/]+\/login$/.test(after.url.pathname)) {
      throw new CliError('SERVER_AUTH', `Dex refused the login of ${o.username} at ${loginUrl.origin}: wrong username or password.`, {
        exit: EXIT.AUTH,
        hints: ['Check the username (usually your email) and the password; the password comes from stdin (--password-stdin) or $KFP_PASSWORD.'],
      })
    }
    fail(`the login ended at ${after.url.pathname} (HTTP ${after.status}) without a session cookie (${SESSION_COOKIES.join(' or ')})`)
  }
  return session!
}

function sessionOf(jar: Map<string, Map<string, Cookie>>, host: string): DexSession | undefined {
  const cookies = jar.get(host)
  if (!cookies) return undefined
  const name = SESSION_COOKIES.find((n) => cookies.has(n))
  if (!name) return undefined
  const expires = cookies.get(name)!.expires
  // Dex's own cookies are not needed afterwards; the proxy's are (oauth2-proxy may split its cookie: `…_0`, `…_1`).
  const keep = [...cookies.entries()].filter(([k]) => SESSION_COOKIES.some((n) => k === n || k.startsWith(`${n}_`)))
  return {cookie: keep.map(([k, c]) => `${k}=${c.value}`).join('; '), cookieName: name, ...(expires ? {expiresAt: new Date(expires).toISOString()} : {})}
}

/** The `action` of the first form in an HTML page (entities decoded), if any. */
export function formAction(html: string): string | undefined {
  const m = /<form\b[^>]*\baction\s*=\s*("([^"]*)"|'([^']*)')/i.exec(html)
  const raw = m ? (m[2] ?? m[3]) : undefined
  return raw?.replaceAll('&amp;', '&').replaceAll('&#x2F;', '/').replaceAll('&#47;', '/')
}
