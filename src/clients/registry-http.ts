/**
 * A small Docker Registry HTTP API v2 client: does the registry already have `repository:tag`, and under which digest?
 * Handles the registry's challenge (Basic, or Bearer through the token realm). Loopback registries are spoken to over
 * plain HTTP, as the Docker daemon does; others over HTTPS.
 */
import {registerSecret} from '../lib/redact.js'
import {CliError, EXIT} from '../lib/errors.js'
import type {RegistryCredentials} from './registry-auth.js'

const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ')

/** What this client needs from the outside; `fetch` is replaceable in tests. */
export interface RegistryHttpOptions {
  credentials?: RegistryCredentials
  fetch?: typeof fetch
  signal?: AbortSignal
}

/** The base URL of a registry host: http for loopback (127.0.0.0/8, localhost, ::1), https otherwise; Docker Hub's API host. */
export function registryBaseUrl(registry: string): string {
  if (registry === 'docker.io' || registry === 'index.docker.io') return 'https://registry-1.docker.io'
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
  const loopback = host === 'localhost' || /^127\./.test(host) || host === '::1'
  return `${loopback ? 'http' : 'https'}://${registry}`
}

function basic(c: RegistryCredentials): string | undefined {
  if (c.username !== undefined && c.password !== undefined) {
    const header = Buffer.from(`${c.username}:${c.password}`).toString('base64')
    registerSecret(header)
    return `Basic ${header}`
  }
  return undefined
}

/** Parses `Bearer realm="…",service="…",scope="…"` (or `Basic realm="…"`). */
function parseChallenge(header: string): {scheme: string; params: Record<string, string>} {
  const scheme = header.split(/\s+/)[0].toLowerCase()
  const params: Record<string, string> = {}
  for (const m of header.matchAll(/(\w+)="([^"]*)"/g)) params[m[1]] = m[2]
  return {scheme, params}
}

function unreachable(registry: string, err: unknown): CliError {
  const cause = (err as {cause?: {code?: string; message?: string}}).cause
  const why = cause?.code ?? cause?.message ?? (err as Error).message
  return new CliError('REGISTRY_UNREACHABLE', `Cannot reach registry ${registry} (${why}).`, {
    exit: EXIT.REMOTE,
    hints: [`Check the \`registry:\` address in kfp.yaml and that ${registry} is up.`],
    cause: err,
  })
}

function authRefused(registry: string, c: RegistryCredentials | undefined, detail: string): CliError {
  return new CliError(
    'REGISTRY_AUTH',
    c ? `Registry ${registry} refused the credentials from ${c.source} (${detail}).` : `Registry ${registry} requires authentication and no credentials were found (${detail}).`,
    {
      exit: EXIT.AUTH,
      hints: [
        `Log in with \`docker login ${registry}\`, or pass --registry-username with --password-stdin (or set KFP_REGISTRY_USERNAME and KFP_REGISTRY_PASSWORD).`,
      ],
    },
  )
}

/**
 * The digest of `repository:tag` in the registry (HEAD on the manifest), or undefined when the tag does not exist.
 * `repository` is the path inside the registry (e.g. babyweight-preprocess). `actions` is the token scope asked for
 * (pull, or pull,push to check push rights up front). Throws REGISTRY_AUTH / REGISTRY_DENIED / REGISTRY_UNREACHABLE.
 */
export async function manifestDigest(
  registry: string,
  repository: string,
  tag: string,
  opts: RegistryHttpOptions & {actions?: string} = {},
): Promise<string | undefined> {
  const f = opts.fetch ?? fetch
  const url = `${registryBaseUrl(registry)}/v2/${repository}/manifests/${encodeURIComponent(tag)}`
  const call = async (authorization?: string) => {
    try {
      return await f(url, {method: 'HEAD', headers: {Accept: MANIFEST_ACCEPT, ...(authorization ? {Authorization: authorization} : {})}, signal: opts.signal ?? AbortSignal.timeout(15_000)})
    } catch (err) {
      throw unreachable(registry, err)
    }
  }
  let res = await call()
  if (res.status === 401) {
    const challenge = parseChallenge(res.headers.get('www-authenticate') ?? '')
    const c = opts.credentials
    let authorization: string | undefined
    if (challenge.scheme === 'bearer' && challenge.params.realm) {
      authorization = await bearerToken(registry, challenge.params, repository, opts.actions ?? 'pull', c, f, opts.signal)
    } else {
      authorization = c ? (basic(c) ?? (c.identityToken ? `Bearer ${c.identityToken}` : undefined)) : undefined
      if (!authorization) throw authRefused(registry, c, 'HTTP 401')
    }
    res = await call(authorization)
    if (res.status === 401) throw authRefused(registry, c, 'HTTP 401')
  }
  if (res.status === 404) return undefined
  if (res.status === 403) {
    throw new CliError('REGISTRY_DENIED', `Registry ${registry} denied access to ${repository}${opts.credentials ? ` (credentials from ${opts.credentials.source})` : ''}.`, {
      exit: EXIT.AUTH,
      hints: [`Check that this account may use ${registry}/${repository}.`],
    })
  }
  if (res.status >= 200 && res.status < 300) return res.headers.get('docker-content-digest') ?? undefined
  throw new CliError('REGISTRY_UNREACHABLE', `Registry ${registry} answered HTTP ${res.status} for ${repository}:${tag}.`, {
    exit: EXIT.REMOTE,
    hints: [`Check that ${registry} is a Docker registry (API v2).`],
  })
}

async function bearerToken(
  registry: string,
  params: Record<string, string>,
  repository: string,
  actions: string,
  c: RegistryCredentials | undefined,
  f: typeof fetch,
  signal?: AbortSignal,
): Promise<string> {
  const u = new URL(params.realm)
  if (params.service) u.searchParams.set('service', params.service)
  u.searchParams.set('scope', `repository:${repository}:${actions}`)
  const headers: Record<string, string> = {}
  let init: RequestInit = {method: 'GET', headers, signal: signal ?? AbortSignal.timeout(15_000)}
  if (c?.identityToken) {
    // OAuth2 refresh token flow (what Docker does with identitytoken).
    const body = new URLSearchParams({grant_type: 'refresh_token', refresh_token: c.identityToken, service: params.service ?? registry, scope: `repository:${repository}:${actions}`, client_id: 'kfp'})
    init = {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body, signal: init.signal}
  } else if (c) {
    const b = basic(c)
    if (b) headers.Authorization = b
  }
  let res: Response
  try {
    res = await f(c?.identityToken ? `${u.origin}${u.pathname}` : u.toString(), init)
  } catch (err) {
    throw unreachable(registry, err)
  }
  if (res.status === 401 || res.status === 403) throw authRefused(registry, c, `token endpoint answered HTTP ${res.status}`)
  if (!res.ok) throw authRefused(registry, c, `token endpoint answered HTTP ${res.status}`)
  const json = (await res.json()) as {token?: string; access_token?: string}
  const token = json.token ?? json.access_token
  if (!token) throw authRefused(registry, c, 'token endpoint returned no token')
  registerSecret(token)
  return `Bearer ${token}`
}
