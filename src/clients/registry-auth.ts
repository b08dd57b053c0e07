/**
 * Registry credentials as users already have them: flags (--registry-username + --password-stdin), the
 * KFP_REGISTRY_USERNAME/KFP_REGISTRY_PASSWORD environment variables (CI), and Docker's client config
 * (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`: `credHelpers`, `credsStore`, `auths`).
 * Secrets stay inside the returned object; messages only ever name the registry and the credential source.
 */
import {registerSecret} from '../lib/redact.js'
import {readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type {Exec} from './exec.js'
import type {Env} from '../lib/env.js'
import {CliError, EXIT} from '../lib/errors.js'

/** Credentials for one registry. Never print this object. */
export interface RegistryCredentials {
  /** Registry host the credentials are for (e.g. gcr.io, localhost:5000). */
  registry: string
  username?: string
  password?: string
  /** OAuth2 refresh/identity token (helpers answer Username "<token>"). */
  identityToken?: string
  /** Human description of where they came from, safe to print, e.g. "docker-credential-gcloud (credHelpers in /home/u/.docker/config.json)". */
  source: string
}

/** Explicit credentials given on the command line or in the environment. */
export interface ExplicitCredentials {
  username?: string
  password?: string
  /** Which flag/env produced them, for messages. */
  source?: string
}

interface DockerConfigFile {
  auths?: Record<string, {auth?: string; username?: string; password?: string; identitytoken?: string}>
  credsStore?: string
  credHelpers?: Record<string, string>
}

/** The Docker client config file kfp reads: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigPath(env: Env): string {
  const dir = env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker')
  return path.join(dir, 'config.json')
}

/** The key forms a registry may appear under in `auths` (Docker Hub has its historical URL). */
function registryKeys(registry: string): string[] {
  if (registry === 'docker.io' || registry === 'index.docker.io' || registry === 'registry-1.docker.io') {
    return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io']
  }
  return [registry]
}

/** Normalises an `auths` key (which may be a URL) to a host[:port]. */
function keyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '')
}

/** The server URL handed to a credential helper: Docker Hub keeps its legacy URL, others are bare hosts. */
function helperServerUrl(registry: string): string {
  return registryKeys(registry)[0]
}

/**
 * Finds the credentials for `registry`. Order: explicit (flags), then the environment, then Docker's
 * `credHelpers[registry]`, `credsStore`, and `auths`. Returns undefined when none apply (an anonymous push).
 * Throws REGISTRY_AUTH naming the config file or helper when one is configured but broken.
 */
export async function resolveRegistryCredentials(
  registry: string,
  opts: {env: Env; exec: Exec; explicit?: ExplicitCredentials},
): Promise<RegistryCredentials | undefined> {
  const c = await findRegistryCredentials(registry, opts)
  // Never printed from now on (src/lib/redact.ts).
  registerSecret(c?.password)
  registerSecret(c?.identityToken)
  return c
}

async function findRegistryCredentials(
  registry: string,
  opts: {env: Env; exec: Exec; explicit?: ExplicitCredentials},
): Promise<RegistryCredentials | undefined> {
  const {env, exec, explicit} = opts
  if (explicit?.username || explicit?.password) {
    if (!explicit.username || explicit.password === undefined) {
      throw new CliError('MISSING_INPUT', '--registry-username and --password-stdin go together.', {
        exit: EXIT.USAGE,
        hints: ['Pass both: `echo "$TOKEN" | kfp build --push --registry-username USER --password-stdin`.'],
      })
    }
    return {registry, username: explicit.username, password: explicit.password, source: explicit.source ?? '--registry-username/--password-stdin'}
  }
  if (env.KFP_REGISTRY_USERNAME || env.KFP_REGISTRY_PASSWORD) {
    if (!env.KFP_REGISTRY_USERNAME || env.KFP_REGISTRY_PASSWORD === undefined) {
      throw new CliError('MISSING_INPUT', 'KFP_REGISTRY_USERNAME and KFP_REGISTRY_PASSWORD must be set together.', {
        exit: EXIT.USAGE,
        hints: ['Set both environment variables, or unset both to use your Docker login.'],
      })
    }
    return {registry, username: env.KFP_REGISTRY_USERNAME, password: env.KFP_REGISTRY_PASSWORD, source: 'environment (KFP_REGISTRY_USERNAME/KFP_REGISTRY_PASSWORD)'}
  }
  const file = dockerConfigPath(env)
  let config: DockerConfigFile
  try {
    config = JSON.parse(await readFile(file, 'utf8')) as DockerConfigFile
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new CliError('REGISTRY_AUTH', `Cannot read the Docker config ${file}: ${(err as Error).message}`, {
      exit: EXIT.AUTH,
      hints: [`Fix or remove ${file}, or point DOCKER_CONFIG at another folder.`],
    })
  }
  const keys = registryKeys(registry)
  const helper = keys.map((k) => config.credHelpers?.[k]).find(Boolean)
  if (helper) return fromHelper(registry, helper, `credHelpers in ${file}`, exec, env)
  if (config.credsStore) {
    const fromStore = await fromHelper(registry, config.credsStore, `credsStore in ${file}`, exec, env)
    if (fromStore) return fromStore
  }
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!keys.includes(key) && !keys.includes(keyHost(key))) continue
    const source = `auths["${key}"] in ${file}`
    if (entry.identitytoken) return {registry, identityToken: entry.identitytoken, username: entry.username, source}
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
      const i = decoded.indexOf(':')
      if (i < 0) {
        throw new CliError('REGISTRY_AUTH', `The Docker config entry ${source} is malformed (auth is not base64 "user:password").`, {
          exit: EXIT.AUTH,
          hints: [`Run \`docker login ${registry}\` again to rewrite it.`],
        })
      }
      return {registry, username: decoded.slice(0, i), password: decoded.slice(i + 1), source}
    }
    if (entry.username && entry.password !== undefined) return {registry, username: entry.username, password: entry.password, source}
  }
  return undefined
}

/** Runs `docker-credential-<name> get` with the server URL on stdin. Undefined when the helper has no entry. */
async function fromHelper(registry: string, name: string, where: string, exec: Exec, env: Env): Promise<RegistryCredentials | undefined> {
  const program = `docker-credential-${name}`
  const source = `${program} (${where})`
  const r = await exec.run(program, ['get'], {input: helperServerUrl(registry), env}).catch((err) => {
    throw new CliError('REGISTRY_AUTH', `The credential helper ${program} for ${registry} could not be run: ${(err as Error).message}`, {
      exit: EXIT.AUTH,
      hints: [`Install ${program}, or remove it from ${where.replace(/^[a-zA-Z]+ in /, '')}.`],
    })
  })
  const out = r.stdout.trim()
  if (r.exitCode !== 0) {
    // The helpers' "not found" answer is a normal outcome: no stored credentials for this registry.
    if (/credentials not found|not found in native keychain/i.test(out + r.stderr)) return undefined
    const detail = (r.stderr || out).trim().split('\n').slice(-3).join(' ')
    throw new CliError('REGISTRY_AUTH', `The credential helper ${program} failed for ${registry} (exit ${r.exitCode})${detail ? `: ${detail}` : ''}`, {
      exit: EXIT.AUTH,
      hints: name === 'gcloud' ? ['Run `gcloud auth login` (or `gcloud auth configure-docker`) and try again.'] : [`Check that ${program} works: \`echo ${helperServerUrl(registry)} | ${program} get\`.`],
    })
  }
  let parsed: {Username?: string; Secret?: string}
  try {
    parsed = JSON.parse(out) as typeof parsed
  } catch {
    throw new CliError('REGISTRY_AUTH', `The credential helper ${program} answered something that is not JSON for ${registry}.`, {exit: EXIT.AUTH})
  }
  if (!parsed.Secret) return undefined
  if (parsed.Username === '<token>') return {registry, identityToken: parsed.Secret, source}
  return {registry, username: parsed.Username, password: parsed.Secret, source}
}

/** The auth object Docker's push API expects (X-Registry-Auth). */
export function dockerAuthConfig(c: RegistryCredentials): {username?: string; password?: string; identitytoken?: string; serveraddress: string} {
  return c.identityToken
    ? {identitytoken: c.identityToken, serveraddress: helperServerUrl(c.registry)}
    : {username: c.username, password: c.password, serveraddress: helperServerUrl(c.registry)}
}
