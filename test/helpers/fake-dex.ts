/**
 * A Kubeflow-platform front door for tests: an auth proxy (oidc-authservice, the one that sets `authservice_session`)
 * with Dex's password login, in front of an upstream (the fake KFP server).
 *
 * Modelled on how Kubeflow wires them (manifests: common/oidc-client/oidc-authservice, common/dex; Dex's
 * server/handlers.go for the auth → connector → login → approval redirects, with Kubeflow's `skipApprovalScreen: true`):
 * - A request without a valid session cookie → 302 to `/dex/auth?client_id=kubeflow-oidc-authservice&redirect_uri=
 *   /authservice/oidc/callback&response_type=code&scope=openid+profile+email+groups&state=…`.
 * - `/dex/auth` → 302 to `/dex/auth/local?…` (one connector) → 302 to `/dex/auth/local/login?back=&state=<req>`.
 * - GET of the login URL: the HTML form (`login`, `password`, posted to the same URL). POST: wrong credentials → the form
 *   again (200) with "Invalid Email Address and password."; right ones → 303 to `/dex/approval?req=<req>`, which
 *   (skipApprovalScreen) → 303 to the callback with `code` and `state`.
 * - The callback sets `authservice_session` (Max-Age = sessionSeconds) and redirects back to the original URL.
 * - With a valid session the request goes upstream with `kubeflow-userid: <email>` (what Istio gets from the proxy),
 *   a client-sent `kubeflow-userid` removed first; an expired one gets the login redirect again.
 *
 * Neither Dex nor oidc-authservice is in kubeflow/pipelines (/work/kfp-src), so none of this was checked against
 * their code: it follows Dex's documented password-connector flow and Kubeflow's manifests as described above.
 */
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {randomBytes} from 'node:crypto'

export interface FakeDexOptions {
  upstream: string
  users: Record<string, string>
  /** Session lifetime (Max-Age of the cookie, and enforced by the proxy). Default 3600. */
  sessionSeconds?: number
}

export interface FakeDex {
  url: string
  /** Every login attempt (username and whether it was accepted; never the password). */
  logins: Array<{username: string; ok: boolean}>
  /** Session cookie values issued. */
  sessions: Map<string, {user: string; expires: number}>
  /** Makes every current session expire now (the next request gets the login redirect). */
  expireSessions(): void
  close(): Promise<void>
}

const CALLBACK = '/authservice/oidc/callback'
const COOKIE = 'authservice_session'

export async function startFakeDex(o: FakeDexOptions): Promise<FakeDex> {
  const upstream = new URL(o.upstream)
  const requests = new Map<string, {state: string; redirect: string; user?: string}>()
  const states = new Map<string, string>() // state → original URL
  const codes = new Map<string, string>() // code → user
  const state: Pick<FakeDex, 'logins' | 'sessions'> = {logins: [], sessions: new Map()}
  const id = () => randomBytes(12).toString('hex')
  const loginForm = (req: string, error = '') =>
    `<!DOCTYPE html><html><head><title>dex</title></head><body><h2>Log in to Your Account</h2>${error ? `<div id="login-error">${error}</div>` : ''}` +
    `<form method="post" action="/dex/auth/local/login?back=&amp;state=${req}"><input id="login" name="login" type="text"/>` +
    `<input id="password" name="password" type="password"/><button type="submit" id="submit-login">Login</button></form></body></html>`

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => handle(req, res, Buffer.concat(chunks)))
  })

  function redirect(res: http.ServerResponse, status: number, location: string, headers: Record<string, string | string[]> = {}) {
    res.writeHead(status, {location, 'content-type': 'text/html; charset=utf-8', ...headers})
    res.end(`<a href="${location}">Found</a>.`)
  }
  function sessionOf(req: http.IncomingMessage): string | undefined {
    const m = new RegExp(`(?:^|;\\s*)${COOKIE}=([^;]+)`).exec(String(req.headers.cookie ?? ''))
    const s = m ? state.sessions.get(m[1]) : undefined
    return s && s.expires > Date.now() ? s.user : undefined
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) {
    const url = new URL(req.url ?? '/', 'http://x')
    const p = url.pathname
    if (p === '/dex/auth') return redirect(res, 302, `/dex/auth/local?${url.searchParams}`)
    if (p === '/dex/auth/local') {
      const r = id()
      requests.set(r, {state: url.searchParams.get('state') ?? '', redirect: url.searchParams.get('redirect_uri') ?? CALLBACK})
      return redirect(res, 302, `/dex/auth/local/login?back=&state=${r}`)
    }
    if (p === '/dex/auth/local/login') {
      const r = url.searchParams.get('state') ?? ''
      const pending = requests.get(r)
      if (!pending) {
        res.writeHead(400, {'content-type': 'text/html'})
        return res.end('Invalid login request')
      }
      if (req.method === 'GET') {
        res.writeHead(200, {'content-type': 'text/html; charset=utf-8'})
        return res.end(loginForm(r))
      }
      const form = new URLSearchParams(body.toString('utf8'))
      const user = form.get('login') ?? ''
      const ok = o.users[user] !== undefined && o.users[user] === form.get('password')
      state.logins.push({username: user, ok})
      if (!ok) {
        res.writeHead(200, {'content-type': 'text/html; charset=utf-8'})
        return res.end(loginForm(r, 'Invalid Email Address and password.'))
      }
      pending.user = user
      return redirect(res, 303, `/dex/approval?req=${r}&hmac=${id()}`)
    }
    if (p === '/dex/approval') {
      const pending = requests.get(url.searchParams.get('req') ?? '')
      if (!pending?.user) {
        res.writeHead(400, {'content-type': 'text/html'})
        return res.end('Unknown request')
      }
      const code = id()
      codes.set(code, pending.user)
      requests.delete(url.searchParams.get('req')!)
      return redirect(res, 303, `${pending.redirect}?code=${code}&state=${encodeURIComponent(pending.state)}`)
    }
    if (p === CALLBACK) {
      const user = codes.get(url.searchParams.get('code') ?? '')
      const back = states.get(url.searchParams.get('state') ?? '')
      if (!user || back === undefined) {
        res.writeHead(401, {'content-type': 'text/plain'})
        return res.end('invalid code or state')
      }
      codes.delete(url.searchParams.get('code')!)
      const value = id()
      const seconds = o.sessionSeconds ?? 3600
      state.sessions.set(value, {user, expires: Date.now() + seconds * 1000})
      return redirect(res, 302, back, {'set-cookie': `${COOKIE}=${value}; Path=/; Max-Age=${seconds}; HttpOnly`})
    }
    const user = sessionOf(req)
    if (!user) {
      const s = id()
      states.set(s, req.url ?? '/')
      const q = new URLSearchParams({client_id: 'kubeflow-oidc-authservice', redirect_uri: CALLBACK, response_type: 'code', scope: 'openid profile email groups', state: s})
      return redirect(res, 302, `/dex/auth?${q}`)
    }
    // Upstream with the identity header; the client's own kubeflow-userid and the session cookie are not passed on.
    const headers = {...req.headers, host: upstream.host, 'kubeflow-userid': user}
    delete headers.cookie
    const up = http.request({hostname: upstream.hostname, port: upstream.port, path: `${upstream.pathname.replace(/\/$/, '')}${req.url}`, method: req.method, headers}, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers)
      ur.pipe(res)
    })
    up.on('error', () => {
      res.writeHead(502)
      res.end()
    })
    up.end(body)
  }

  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port
      resolve(
        Object.assign(state, {
          url: `http://127.0.0.1:${port}`,
          expireSessions: () => {
            for (const s of state.sessions.values()) s.expires = 0
          },
          close: () =>
            new Promise<void>((r) => {
              server.closeAllConnections()
              server.close(() => r())
            }),
        }),
      )
    })
  })
}
