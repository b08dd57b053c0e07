/**
 * Image build, tag, push and inspect for `kfp build`, used by the DockerClient in ./docker.ts.
 * Build and push go through dockerode (imported lazily); inspect uses one plain HTTP request to the daemon so an
 * up-to-date `kfp build` never pays for loading dockerode.
 */
import http from 'node:http'
import type {Readable} from 'node:stream'
import type {Env} from '../lib/env.js'
import {CliError, EXIT} from '../lib/errors.js'
import {textLines} from '../lib/text-lines.js'
import {dockerOptionsFromHost, translateDockerError} from './docker.js'

/** An image as the daemon knows it. */
export interface ImageInfo {
  /** sha256:… image id. */
  id: string
  /** `repo@sha256:…` references the image was pushed to or pulled from. */
  repoDigests: string[]
  repoTags: string[]
}

/** Options of one image build. */
export interface DockerBuildOptions {
  /** The build context as a tar stream. */
  context: Readable
  /** Dockerfile path inside the context. */
  dockerfile: string
  /** Full reference to tag the result with, e.g. localhost:5000/babyweight-preprocess:0123abcd. */
  tag: string
  buildArgs?: Record<string, string>
  platform?: string
  target?: string
  noCache?: boolean
  labels?: Record<string, string>
  signal?: AbortSignal
  /** Each line of build output, as it comes. */
  onLog?: (line: string) => void
}

/** Progress of a push: bytes over all layers, and the latest status line. */
export interface PushProgress {
  current: number
  total: number
  status: string
}

/** Options of one push. */
export interface DockerPushOptions {
  /** Repository without tag, e.g. localhost:5000/babyweight-preprocess. */
  repository: string
  tag: string
  /** Credentials handed to the daemon (X-Registry-Auth); never logged. */
  auth?: {username?: string; password?: string; identitytoken?: string; serveraddress: string}
  /** Where the credentials came from, named in auth errors (e.g. "docker config (~/.docker/config.json auths)"). */
  authSource?: string
  signal?: AbortSignal
  onProgress?: (p: PushProgress) => void
}

/** One JSON message of the daemon's build, push and pull streams (moby pkg/jsonmessage JSONMessage). */
interface DockerEvent {
  stream?: string
  status?: string
  id?: string
  progress?: string
  progressDetail?: {current?: number; total?: number}
  error?: string
  errorDetail?: {message?: string; code?: number}
  aux?: {ID?: string; Tag?: string; Digest?: string}
}

/** GET on the Docker Engine API without dockerode (unix socket or plain tcp); undefined when TLS/ssh needs dockerode. */
async function rawGet(env: Env, apiPath: string): Promise<{status: number; body: string} | undefined> {
  const host = env.DOCKER_HOST
  let target: http.RequestOptions
  if (!host) target = {socketPath: '/var/run/docker.sock'}
  else if (host.startsWith('unix://')) target = {socketPath: host.slice('unix://'.length)}
  else if (host.startsWith('tcp://') && !env.DOCKER_TLS_VERIFY) {
    const o = dockerOptionsFromHost(host)
    target = {host: o.host, port: o.port}
  } else return undefined
  return new Promise((resolve, reject) => {
    const req = http.request({...target, path: apiPath, method: 'GET', headers: {Host: 'docker'}}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** Inspects a local image; undefined when the daemon does not have it. Throws DOCKER_UNAVAILABLE when unreachable. */
export async function inspectImage(env: Env, ref: string, dockerode: () => Promise<import('dockerode')>): Promise<ImageInfo | undefined> {
  try {
    const raw = await rawGet(env, `/images/${encodeURIComponent(ref)}/json`)
    let data: {Id?: string; RepoDigests?: string[]; RepoTags?: string[]}
    if (raw) {
      if (raw.status === 404) return undefined
      if (raw.status !== 200) throw new CliError('EXTERNAL_COMMAND_FAILED', `Docker: inspecting ${ref} failed (HTTP ${raw.status}): ${raw.body.trim()}`, {exit: EXIT.EXTERNAL})
      data = JSON.parse(raw.body)
    } else {
      try {
        data = (await (await dockerode()).getImage(ref).inspect()) as typeof data
      } catch (err) {
        if ((err as {statusCode?: number}).statusCode === 404) return undefined
        throw err
      }
    }
    return {id: data.Id ?? '', repoDigests: data.RepoDigests ?? [], repoTags: data.RepoTags ?? []}
  } catch (err) {
    throw translateDockerError(err, env, `inspecting image ${ref}`)
  }
}

/**
 * Reads a build/push/pull event stream line by line (Docker sends JSON objects separated by newlines). The body comes in
 * chunks cut anywhere, also inside a UTF-8 character of a build's output: textLines decodes them as a stream.
 */
export async function readEvents(stream: NodeJS.ReadableStream, onEvent: (e: DockerEvent) => void): Promise<void> {
  const lines = textLines((raw) => {
    const line = raw.trim()
    if (!line) return
    try {
      onEvent(JSON.parse(line) as DockerEvent)
    } catch {
      onEvent({stream: line})
    }
  })
  for await (const chunk of stream as AsyncIterable<Buffer | string>) lines.push(chunk)
  lines.flush()
}

/**
 * The daemon's own words from a dockerode error: its JSON `message`, else the error text without docker-modem's
 * "(HTTP code 400) unexpected - " prefix (for streamed endpoints such as build and push the body is not parsed).
 */
function daemonMessage(err: unknown): string {
  const e = err as {json?: {message?: string}; message?: string}
  const text = e?.json?.message ?? e?.message ?? String(err)
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim()
}

/** How many log lines a failed build shows. */
export const FAILED_BUILD_TAIL = 20

/**
 * Builds an image. dockerode's followProgress reports no error for a failed build, so the events are read here:
 * an `error`/`errorDetail` event becomes DOCKER_BUILD_FAILED naming the failing instruction with the last log lines.
 */
export async function buildImage(env: Env, docker: import('dockerode'), opts: DockerBuildOptions): Promise<{imageId: string; log: string[]}> {
  let stream: NodeJS.ReadableStream
  try {
    stream = await docker.buildImage(opts.context, {
      t: opts.tag,
      dockerfile: opts.dockerfile,
      buildargs: opts.buildArgs,
      platform: opts.platform,
      target: opts.target,
      nocache: opts.noCache,
      labels: opts.labels,
      rm: true,
      forcerm: true,
      abortSignal: opts.signal,
    })
  } catch (err) {
    const status = (err as {statusCode?: number}).statusCode
    if (status && status < 500) throw buildFailed(opts.tag, undefined, daemonMessage(err), [])
    throw translateDockerError(err, env, `building ${opts.tag}`)
  }
  const log: string[] = []
  let step: string | undefined
  let error: string | undefined
  let imageId = ''
  let partial = ''
  const emit = (text: string) => {
    partial += text
    let i
    while ((i = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, i).replace(/\r$/, '')
      partial = partial.slice(i + 1)
      log.push(line)
      const m = /^Step \d+\/\d+ : (.*)$/.exec(line)
      if (m) step = line
      opts.onLog?.(line)
    }
  }
  try {
    await readEvents(stream, (e) => {
      if (e.stream) emit(e.stream)
      else if (e.status) emit(`${e.id ? `${e.id}: ` : ''}${e.status}\n`)
      if (e.aux?.ID) imageId = e.aux.ID
      if (e.error || e.errorDetail) error = e.errorDetail?.message ?? e.error
    })
  } catch (err) {
    if ((err as {name?: string}).name === 'AbortError' || opts.signal?.aborted) throw new CliError('INTERRUPTED', 'Interrupted.', {exit: EXIT.INTERRUPTED})
    throw translateDockerError(err, env, `building ${opts.tag}`)
  }
  if (partial) emit('\n')
  if (error) throw buildFailed(opts.tag, step, error, log)
  if (!imageId) {
    const m = [...log].reverse().map((l) => /^Successfully built ([0-9a-f]+)/.exec(l)).find(Boolean)
    imageId = m ? m[1] : ''
  }
  return {imageId, log}
}

/**
 * A FROM whose image Docker could not pull, told by the daemon's error text (moby's registry and distribution errors):
 * the network (DNS, refused, timeout, TLS), the registry refusing (denied, unauthorized) or the image not existing.
 */
export function basePullFailure(step: string | undefined, error: string): {image: string; kind: 'network' | 'denied' | 'missing'; why: string} | undefined {
  const from = /^Step \d+\/\d+ : FROM\s+(?:--platform=\S+\s+)?(\S+)/i.exec(step ?? '')
  if (!from) return undefined
  const image = from[1]
  const first = error.trim().split('\n')[0]
  if (/no such host|dial tcp|connection refused|i\/o timeout|timeout exceeded|TLS handshake|x509|network is unreachable|server misbehaving|EOF$/i.test(first)) {
    const host = /lookup ([^\s:]+)/.exec(first)?.[1] ?? /https?:\/\/([^/"]+)/.exec(first)?.[1]
    return {image, kind: 'network', why: `${host ? `${host} is not reachable` : 'its registry is not reachable'} (${first.replace(/^.*?: (dial tcp|lookup)/, '$1')})`}
  }
  if (/denied|unauthorized|authentication required|no basic auth credentials|may require 'docker login'/i.test(first)) return {image, kind: 'denied', why: `the registry refused it (${first})`}
  if (/manifest unknown|not found|does not exist|name unknown/i.test(first)) return {image, kind: 'missing', why: `the registry has no such image or tag (${first})`}
  return undefined
}

function buildFailed(tag: string, step: string | undefined, error: string, log: string[]): CliError {
  const pull = basePullFailure(step, error)
  if (pull) {
    // Not a Dockerfile instruction to fix: the base image. The build log (one FROM line) is not repeated.
    return new CliError('IMAGE_PULL_FAILED', `Base image ${pull.image} could not be pulled: ${pull.why}.`, {
      exit: pull.kind === 'network' ? EXIT.REMOTE : pull.kind === 'denied' ? EXIT.AUTH : EXIT.EXTERNAL,
      hints:
        pull.kind === 'network'
          ? [`Check the network (or the proxy / registry mirror Docker uses), then build again; an image that is already local is used as is: docker image inspect ${pull.image}`]
          : pull.kind === 'denied'
            ? [`Log in to its registry: docker login ${pull.image.includes('/') && /[.:]/.test(pull.image.split('/')[0]) ? pull.image.split('/')[0] : 'docker.io'}`]
            : [`Check the FROM line of the Dockerfile: is ${pull.image} the right name and tag?`],
      data: {tag, step, image: pull.image, error: error.trim(), log: [], logShown: 0},
    })
  }
  const tail = log.slice(-FAILED_BUILD_TAIL)
  const lines = [`Building ${tag} failed${step ? ` at ${step.replace(/^Step (\d+\/\d+) : /, 'step $1: ')}` : ''}`, error.trim()]
  if (tail.length) lines.push('', `Last ${tail.length} lines of the build log:`, ...tail.map((l) => `  ${l}`))
  return new CliError('DOCKER_BUILD_FAILED', lines.join('\n'), {
    exit: EXIT.EXTERNAL,
    hints: /build target/i.test(error)
      ? ['--target names a Dockerfile stage (FROM … AS NAME): build only the steps whose Dockerfile has it, e.g. `kfp build STEP --target NAME`.']
      : ['Fix the failing Dockerfile instruction (run with --verbose to see the whole build log).'],
    data: {tag, step, error: error.trim(), log: tail, logShown: tail.length},
  })
}

/** Adds `repository:tag` to a local image. */
export async function tagImage(env: Env, docker: import('dockerode'), source: string, repository: string, tag: string): Promise<void> {
  try {
    await docker.getImage(source).tag({repo: repository, tag})
  } catch (err) {
    throw translateDockerError(err, env, `tagging ${source} as ${repository}:${tag}`)
  }
}

/** Classifies a registry error message from the daemon into a kfp error code. */
export function classifyPushError(message: string): 'REGISTRY_AUTH' | 'REGISTRY_DENIED' | 'REGISTRY_UNREACHABLE' | undefined {
  if (/unauthorized|authentication required|no basic auth credentials|incorrect username or password|invalid username\/password/i.test(message)) return 'REGISTRY_AUTH'
  if (/denied|forbidden|not allowed|insufficient_scope|unsupported/i.test(message)) return 'REGISTRY_DENIED'
  if (/connection refused|no such host|i\/o timeout|dial tcp|no route to host|network is unreachable|TLS handshake|server gave HTTP response|context deadline exceeded|EOF$/i.test(message)) return 'REGISTRY_UNREACHABLE'
  return undefined
}

/** A push failure as a CliError: names the registry and, for auth errors, the credential source (never the secret). */
export function pushFailed(ref: string, registry: string, message: string, authSource: string | undefined): CliError {
  const kind = classifyPushError(message)
  const msg = message.trim()
  if (kind === 'REGISTRY_AUTH') {
    return new CliError('REGISTRY_AUTH', `Registry ${registry} refused the credentials ${authSource ? `from ${authSource}` : '(none found)'} while pushing ${ref}: ${msg}`, {
      exit: EXIT.AUTH,
      hints: [
        `Log in with \`docker login ${registry}\`, or pass --registry-username with --password-stdin (or set KFP_REGISTRY_USERNAME and KFP_REGISTRY_PASSWORD).`,
      ],
    })
  }
  if (kind === 'REGISTRY_DENIED') {
    return new CliError('REGISTRY_DENIED', `Registry ${registry} denied the push of ${ref}${authSource ? ` (credentials from ${authSource})` : ''}: ${msg}`, {
      exit: EXIT.AUTH,
      hints: [`Check that this account may push to ${ref.replace(/:[^:/]+$/, '')}, or change \`registry:\` in kfp.yaml.`],
    })
  }
  if (kind === 'REGISTRY_UNREACHABLE') {
    return new CliError('REGISTRY_UNREACHABLE', `Cannot reach registry ${registry} to push ${ref}: ${msg}`, {
      exit: EXIT.REMOTE,
      hints: [`Check the \`registry:\` address in kfp.yaml and that ${registry} is up and reachable from the Docker daemon.`],
    })
  }
  return new CliError('EXTERNAL_COMMAND_FAILED', `Pushing ${ref} failed: ${msg}`, {exit: EXIT.EXTERNAL})
}

/**
 * Pushes `repository:tag`, reporting byte progress over all layers. Reads the events for errors (followProgress
 * does not report them) and returns the manifest digest the registry answered with.
 */
export async function pushImage(env: Env, docker: import('dockerode'), opts: DockerPushOptions): Promise<{digest?: string}> {
  const ref = `${opts.repository}:${opts.tag}`
  const registry = ref.split('/')[0]
  let stream: NodeJS.ReadableStream
  try {
    stream = (await docker.getImage(opts.repository).push({tag: opts.tag, authconfig: opts.auth ?? {}, abortSignal: opts.signal} as never)) as unknown as NodeJS.ReadableStream
  } catch (err) {
    const status = (err as {statusCode?: number}).statusCode
    if (status && status < 500) throw pushFailed(ref, registry, daemonMessage(err), opts.authSource)
    throw translateDockerError(err, env, `pushing ${ref}`)
  }
  const layers = new Map<string, {current: number; total: number}>()
  let digest: string | undefined
  let error: string | undefined
  try {
    await readEvents(stream, (e) => {
      if (e.error || e.errorDetail) error = e.errorDetail?.message ?? e.error
      if (e.aux?.Digest) digest = e.aux.Digest
      const m = e.status ? /digest: (sha256:[0-9a-f]{64})/.exec(e.status) : null
      if (m) digest ??= m[1]
      if (e.id && e.progressDetail?.total) layers.set(e.id, {current: e.progressDetail.current ?? 0, total: e.progressDetail.total})
      if (e.id && (e.status === 'Pushed' || e.status === 'Layer already exists')) {
        const l = layers.get(e.id)
        if (l) l.current = l.total
      }
      if (opts.onProgress && e.status) {
        let current = 0
        let total = 0
        for (const l of layers.values()) {
          current += l.current
          total += l.total
        }
        opts.onProgress({current, total, status: e.status})
      }
    })
  } catch (err) {
    if (opts.signal?.aborted) throw new CliError('INTERRUPTED', 'Interrupted.', {exit: EXIT.INTERRUPTED})
    throw translateDockerError(err, env, `pushing ${ref}`)
  }
  if (error) throw pushFailed(ref, registry, error, opts.authSource)
  return {digest}
}


/** Starts loading dockerode in the background when a build is certain, so the import overlaps with hashing the context. */
export function prefetchDockerode(): void {
  void import('dockerode').catch(() => {})
}
