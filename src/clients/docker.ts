import type {Readable} from 'node:stream'
import {frameReader, resumeFilter, sinceParam, type LogFrame} from './docker-frames.js'
import {pauser} from '../lib/backpressure.js'
import type {Env} from '../lib/env.js'
import {CliError, EXIT} from '../lib/errors.js'
import type {DockerBuildOptions, DockerPushOptions, ImageInfo} from './docker-build.js'

/** One progress event of a pull (or, later, a build/push): Docker's JSON message, trimmed. */
export interface DockerProgress {
  status?: string
  id?: string
  progress?: string
}

/** A registry login for a pull: Docker's authconfig, and where it came from (safe to print). */
export interface PullAuth {
  authconfig: {username?: string; password?: string; identitytoken?: string; serveraddress: string}
  source: string
}

/** What a step container needs; a narrow subset of Docker's create options. */
export interface ContainerSpec {
  image: string
  /** Overrides the image's ENTRYPOINT when given (KFP `command`). */
  entrypoint?: string[]
  /** Overrides the image's CMD when given (KFP `args`). */
  cmd?: string[]
  env?: Record<string, string>
  /** Host path → container path (read-write). */
  binds?: Array<{host: string; container: string}>
  workingDir?: string
  /** Hard memory limit in bytes. */
  memoryBytes?: number
  /** Soft memory reservation in bytes. */
  memoryReservationBytes?: number
  /** CPU limit in units of 1e-9 CPUs. */
  nanoCpus?: number
  /** Relative CPU weight (1024 = one CPU's worth). */
  cpuShares?: number
  labels?: Record<string, string>
  name?: string
}

/** A container as listed by the daemon. */
export interface ContainerSummary {
  id: string
  labels: Record<string, string>
  state: string
}

/**
 * The Docker operations kfp uses, over dockerode. Errors come back as CliErrors (DOCKER_UNAVAILABLE when the
 * daemon does not answer, IMAGE_PULL_FAILED, EXTERNAL_COMMAND_FAILED for other daemon errors).
 * The `kfp build` feature adds build/push/tag methods here.
 */
export interface DockerClient {
  /** Checks the daemon answers; throws DOCKER_UNAVAILABLE with hints when not. */
  ping(): Promise<void>
  /** True when the image is present locally. */
  imageExists(ref: string): Promise<boolean>
  /**
   * Pulls an image, reporting progress; throws IMAGE_PULL_FAILED when the pull fails. `auth` is the registry login
   * (see `dockerAuthConfig` in registry-auth.ts), `authSource` where it came from (named in errors, never the secret).
   */
  pull(ref: string, onProgress?: (p: DockerProgress) => void, auth?: PullAuth): Promise<void>
  /** Creates a container and returns its id. */
  createContainer(spec: ContainerSpec): Promise<string>
  startContainer(id: string): Promise<void>
  /**
   * Follows the container's stdout/stderr (call after start). Resolves once the stream ended and `exited` (the
   * caller's waitContainer of this container, one wait per container) settled, with every line of the log read.
   * A promise returned by `onData` pauses the stream until it settles (backpressure).
   */
  followLogs(id: string, onData: (chunk: Buffer, stream: 'stdout' | 'stderr') => void | Promise<void>, exited: Promise<unknown>): Promise<void>
  /** Waits for the container to exit; returns its exit code. */
  waitContainer(id: string): Promise<number>
  /** Stops (SIGTERM, then SIGKILL after `timeoutSec`); ignores an already stopped container. */
  stopContainer(id: string, timeoutSec?: number): Promise<void>
  /** Removes the container (forced); ignores one that is already gone. */
  removeContainer(id: string): Promise<void>
  /** Reads one file out of a container (running or stopped). */
  copyFileFrom(id: string, path: string): Promise<Buffer>
  /** Lists containers (including stopped ones) carrying the label `key=value` or `key`. */
  listContainers(label: string): Promise<ContainerSummary[]>
  // --- kfp build (implemented in ./docker-build.ts) ---
  /** Inspects a local image without loading dockerode; undefined when absent. */
  inspectImage(ref: string): Promise<ImageInfo | undefined>
  /** Builds an image from a tar context; throws DOCKER_BUILD_FAILED with the failing instruction and the last log lines. */
  buildImage(opts: DockerBuildOptions): Promise<{imageId: string; log: string[]}>
  /** Tags a local image as `repository:tag`. */
  tagImage(source: string, repository: string, tag: string): Promise<void>
  /** Pushes `repository:tag`; returns the manifest digest. Throws REGISTRY_AUTH / REGISTRY_DENIED / REGISTRY_UNREACHABLE. */
  pushImage(opts: DockerPushOptions): Promise<{digest?: string}>
}

declare module '../ctx.js' {
  interface ClientFactories {
    docker: () => Promise<DockerClient>
  }
}

/** Hints shown whenever the daemon cannot be reached. */
export function dockerUnavailableHints(env: Env): string[] {
  return [
    'Is Docker running? Start it (Docker Desktop, `sudo systemctl start docker`, or `dockerd &`).',
    env.DOCKER_HOST
      ? `DOCKER_HOST is set to ${env.DOCKER_HOST}; check that a daemon listens there.`
      : 'Set DOCKER_HOST when the daemon is not on /var/run/docker.sock (e.g. DOCKER_HOST=unix:///run/user/1000/docker.sock).',
    'To run steps without Docker, use `--runner process`.',
  ]
}

function isConnectionError(err: unknown): boolean {
  const code = (err as {code?: string})?.code
  return ['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code ?? '')
}

function statusOf(err: unknown): number | undefined {
  return (err as {statusCode?: number})?.statusCode
}

function messageOf(err: unknown): string {
  const e = err as {json?: {message?: string}; reason?: string; message?: string}
  return e?.json?.message ?? e?.message ?? String(err)
}

/** Translates a dockerode error at the boundary. */
export function translateDockerError(err: unknown, env: Env, what: string): CliError {
  if (err instanceof CliError) return err
  if (isConnectionError(err)) {
    return new CliError('DOCKER_UNAVAILABLE', `Cannot reach the Docker daemon (${(err as {code?: string}).code}).`, {
      exit: EXIT.EXTERNAL,
      hints: dockerUnavailableHints(env),
      cause: err,
    })
  }
  return new CliError('EXTERNAL_COMMAND_FAILED', `Docker: ${what} failed: ${messageOf(err).trim()}`, {exit: EXIT.EXTERNAL, cause: err})
}

/** The real DockerClient; dockerode is imported on first use. Honours DOCKER_HOST (dockerode reads it). */
export function createDockerClient(env: Env): DockerClient {
  let dockerP: Promise<import('dockerode')> | undefined
  const docker = async () => {
    dockerP ??= import('dockerode').then((m) => {
      const Docker = m.default
      // dockerode reads DOCKER_HOST from process.env; pass our env's value explicitly.
      return env.DOCKER_HOST ? new Docker(dockerOptionsFromHost(env.DOCKER_HOST)) : new Docker()
    })
    return dockerP
  }
  const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (err) {
      throw translateDockerError(err, env, what)
    }
  }
  return {
    async ping() {
      const d = await docker()
      try {
        await d.ping()
      } catch (err) {
        throw new CliError('DOCKER_UNAVAILABLE', `Cannot reach the Docker daemon: ${messageOf(err)}`, {
          exit: EXIT.EXTERNAL,
          hints: dockerUnavailableHints(env),
          cause: err,
        })
      }
    },
    async imageExists(ref) {
      const d = await docker()
      try {
        await d.getImage(ref).inspect()
        return true
      } catch (err) {
        if (statusOf(err) === 404) return false
        throw translateDockerError(err, env, `inspecting image ${ref}`)
      }
    },
    async pull(ref, onProgress, auth) {
      const d = await docker()
      let stream: Readable
      try {
        stream = (await d.pull(ref, auth ? {authconfig: auth.authconfig} : {})) as Readable
      } catch (err) {
        if (isConnectionError(err)) throw translateDockerError(err, env, `pulling ${ref}`)
        throw pullFailed(ref, messageOf(err), err, auth)
      }
      // Not dockerode's followProgress: it decodes each chunk on its own (a UTF-8 character cut between two reads
      // turns into U+FFFD) and reports no error carried inside the events.
      const {readEvents} = await import('./docker-build.js')
      let bad: string | undefined
      try {
        await readEvents(stream, (e) => {
          if (e.error || e.errorDetail) bad ??= e.errorDetail?.message ?? e.error
          else onProgress?.({status: e.status, id: e.id, progress: e.progress})
        })
      } catch (err) {
        throw pullFailed(ref, messageOf(err), err, auth)
      }
      if (bad) throw pullFailed(ref, bad, undefined, auth)
    },
    async createContainer(spec) {
      const d = await docker()
      return guard(`creating a container from ${spec.image}`, async () => {
        const c = await d.createContainer({
          Image: spec.image,
          name: spec.name,
          Entrypoint: spec.entrypoint,
          Cmd: spec.cmd,
          Env: spec.env ? Object.entries(spec.env).map(([k, v]) => `${k}=${v}`) : undefined,
          WorkingDir: spec.workingDir,
          Labels: spec.labels,
          AttachStdout: true,
          AttachStderr: true,
          HostConfig: {
            Binds: spec.binds?.map((b) => `${b.host}:${b.container}`),
            Memory: spec.memoryBytes,
            MemoryReservation: spec.memoryReservationBytes,
            NanoCpus: spec.nanoCpus,
            CpuShares: spec.cpuShares,
          },
        })
        return c.id
      })
    },
    async startContainer(id) {
      const d = await docker()
      await guard('starting a container', () => d.getContainer(id).start())
    },
    async followLogs(id, onData, exited) {
      const d = await docker()
      const c = d.getContainer(id)
      // Each message carries its time, so that a follow stream the daemon ends before the end of the log can be
      // caught up from where it stopped: with json-file, a follow stream whose reader was behind when the container
      // exited ends early (seen here with a paused reader: 49 kB of 6.9 MB).
      let lastNs = -1n
      let atLast = 0
      const seen = (f: LogFrame) => {
        if (f.timeNs === lastNs) atLast++
        else {
          lastNs = f.timeNs
          atLast = 1
        }
      }
      const stream = (await guard('reading container logs', () => c.logs({follow: true, stdout: true, stderr: true, timestamps: true}))) as unknown as Readable
      await new Promise<void>((resolve) => {
        // A consumer that is full pauses the container's log stream itself (lib/backpressure.ts); Docker keeps the
        // rest in the container's log until it is read.
        const hold = pauser(stream)
        stream.on('data', frameReader((f) => (seen(f), hold(onData(f.data, f.stream))), {timestamps: true}))
        stream.on('end', resolve)
        stream.on('close', resolve)
        stream.on('error', () => resolve())
      })
      // The rest is read once the container has ended; a failed wait is the waiter's to report.
      await exited.catch(() => {})
      const since = lastNs > 0n ? {since: sinceParam(lastNs)} : {}
      const rest = (await guard('reading container logs', async () => (await c.logs({follow: false, stdout: true, stderr: true, timestamps: true, ...since} as never)) as unknown)) as Buffer
      const fresh = lastNs < 0n ? () => true : resumeFilter(lastNs, atLast)
      const frames: LogFrame[] = []
      frameReader((f) => void (fresh(f) && frames.push(f)), {timestamps: true})(Buffer.isBuffer(rest) ? rest : Buffer.from(String(rest)))
      for (const f of frames) await onData(f.data, f.stream)
    },
    async waitContainer(id) {
      const d = await docker()
      const r = (await guard('waiting for a container', () => d.getContainer(id).wait())) as {StatusCode: number}
      return r.StatusCode
    },
    async stopContainer(id, timeoutSec = 2) {
      const d = await docker()
      try {
        await d.getContainer(id).stop({t: timeoutSec})
      } catch (err) {
        if (statusOf(err) === 304 || statusOf(err) === 404) return
        throw translateDockerError(err, env, 'stopping a container')
      }
    },
    async removeContainer(id) {
      const d = await docker()
      try {
        await d.getContainer(id).remove({force: true, v: true})
      } catch (err) {
        if (statusOf(err) === 404) return
        // 409: removal already in progress
        if (statusOf(err) === 409) return
        throw translateDockerError(err, env, 'removing a container')
      }
    },
    async copyFileFrom(id, path) {
      const d = await docker()
      const archive = (await guard(`copying ${path} out of a container`, () =>
        d.getContainer(id).getArchive({path}),
      )) as unknown as Readable
      const tar = await import('tar-stream')
      const extract = tar.extract()
      return new Promise<Buffer>((resolve, reject) => {
        let found: Buffer | undefined
        extract.on('entry', (header, s, next) => {
          const chunks: Buffer[] = []
          s.on('data', (c: unknown) => {
            chunks.push(c as Buffer)
          })
          s.on('end', () => {
            if (!found && header.type === 'file') found = Buffer.concat(chunks)
            next()
          })
          s.resume()
        })
        extract.on('finish', () => (found ? resolve(found) : reject(new CliError('FILE_NOT_FOUND', `${path} is not a file in the container.`))))
        extract.on('error', reject)
        archive.pipe(extract)
      })
    },
    async inspectImage(ref) {
      const b = await import('./docker-build.js')
      return b.inspectImage(env, ref, docker)
    },
    async buildImage(opts) {
      const b = await import('./docker-build.js')
      return b.buildImage(env, await docker(), opts)
    },
    async tagImage(source, repository, tag) {
      const b = await import('./docker-build.js')
      return b.tagImage(env, await docker(), source, repository, tag)
    },
    async pushImage(opts) {
      const b = await import('./docker-build.js')
      return b.pushImage(env, await docker(), opts)
    },
    async listContainers(label) {
      const d = await docker()
      const list = await guard('listing containers', () => d.listContainers({all: true, filters: {label: [label]}}))
      return list.map((c) => ({id: c.Id, labels: c.Labels ?? {}, state: c.State}))
    },
  }
}

function pullFailed(ref: string, message: string, cause?: unknown, auth?: PullAuth): CliError {
  const login = auth ? ` (logged in with the credentials from ${auth.source})` : ''
  return new CliError('IMAGE_PULL_FAILED', `Could not pull image ${ref}${login}: ${message.trim()}`, {
    exit: EXIT.EXTERNAL,
    hints: [
      `Build or tag the image locally (e.g. \`kfp build\` or \`docker tag … ${ref}\`), or check the registry is reachable and you are logged in.`,
      'To run steps on this machine without images, use `--runner process`.',
    ],
    cause,
  })
}

/** dockerode options for a DOCKER_HOST value (unix://, tcp://, http(s)://). */
export function dockerOptionsFromHost(host: string): {socketPath?: string; host?: string; port?: number; protocol?: 'http' | 'https'} {
  if (host.startsWith('unix://')) return {socketPath: host.slice('unix://'.length)}
  const u = new URL(host.replace(/^tcp:/, 'http:'))
  return {host: u.hostname, port: Number(u.port || 2375), protocol: u.protocol === 'https:' ? 'https' : 'http'}
}
