/**
 * Narrow object-store client over @google-cloud/storage (imported lazily). Honours STORAGE_EMULATOR_HOST (the
 * library's own emulator switch) and an explicit apiEndpoint, so tests point it at a local emulator.
 */
import {CliError, EXIT, isCliError} from '../lib/errors.js'
import type {Env} from '../lib/env.js'
import {requestTimeoutMs, withTimeout} from '../lib/timeout.js'

export interface ObjectStore {
  /** The object's text, or undefined when it does not exist. */
  readText(uri: string): Promise<string | undefined>
  /** The object's bytes, or undefined when it does not exist. */
  readBytes?(uri: string): Promise<Buffer | undefined>
  /** Names (full gs:// URIs) under a prefix. */
  list(prefixUri: string): Promise<string[]>
  writeText(uri: string, text: string): Promise<void>
  /** Downloads the object to a local file (its folder must exist); false when there is no such object. */
  download(uri: string, destination: string): Promise<boolean>
}

/** Splits `gs://bucket/path` into bucket and object name. */
export function parseGsUri(uri: string): {bucket: string; name: string} {
  const m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri)
  if (!m) throw new CliError('USAGE', `${uri} is not a gs:// URI.`, {exit: EXIT.USAGE})
  return {bucket: m[1], name: m[2]}
}

function gcsError(error: unknown, uri: string): CliError {
  if (isCliError(error)) return error
  const code = (error as {code?: number}).code
  if (code === 401 || code === 403) {
    return new CliError('GCS_FORBIDDEN', `Access to ${uri} was refused (${code}).`, {exit: EXIT.AUTH, hints: ['gcloud auth application-default login', 'Or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key.']})
  }
  if (code === 404) return new CliError('GCS_NOT_FOUND', `${uri} does not exist.`, {exit: EXIT.REMOTE})
  return new CliError('GCS_FORBIDDEN', `Reading ${uri} failed: ${(error as Error).message}`, {exit: EXIT.REMOTE})
}

/** Creates the real store; `apiEndpoint` overrides the endpoint (STORAGE_EMULATOR_HOST is read by the library). */
export async function createObjectStore(env: Env, o: {apiEndpoint?: string; projectId?: string} = {}): Promise<ObjectStore> {
  const {Storage} = await import('@google-cloud/storage')
  const emulator = env.STORAGE_EMULATOR_HOST
  const storage = new Storage({
    ...(o.apiEndpoint ? {apiEndpoint: o.apiEndpoint} : emulator ? {apiEndpoint: emulator} : {}),
    ...(emulator || o.apiEndpoint ? {projectId: o.projectId ?? 'test', token: 'emulator'} : o.projectId ? {projectId: o.projectId} : {}),
  } as ConstructorParameters<typeof Storage>[0])
  // Every call gives up after KFP_HTTP_TIMEOUT_MS (default 30 s), the library's retries included.
  const limit = <T>(p: Promise<T>, what: string) => withTimeout(p, requestTimeoutMs(env), 'Cloud Storage', what)
  async function readBytes(uri: string): Promise<Buffer | undefined> {
    const {bucket, name} = parseGsUri(uri)
    try {
      const [buf] = await limit(storage.bucket(bucket).file(name).download(), `reading ${uri}`)
      return buf
    } catch (error) {
      if ((error as {code?: number}).code === 404) return undefined
      throw gcsError(error, uri)
    }
  }
  return {
    async readText(uri) {
      return (await readBytes(uri))?.toString('utf8')
    },
    readBytes,
    async list(prefixUri) {
      const {bucket, name} = parseGsUri(prefixUri)
      try {
        const [files] = await limit(storage.bucket(bucket).getFiles({prefix: name}), `listing ${prefixUri}`)
        return files.map((f) => `gs://${bucket}/${f.name}`)
      } catch (error) {
        throw gcsError(error, prefixUri)
      }
    },
    async download(uri, destination) {
      const {bucket, name} = parseGsUri(uri)
      try {
        await limit(storage.bucket(bucket).file(name).download({destination}), `downloading ${uri}`)
        return true
      } catch (error) {
        if ((error as {code?: number}).code === 404) return false
        throw gcsError(error, uri)
      }
    },
    async writeText(uri, text) {
      const {bucket, name} = parseGsUri(uri)
      try {
        await limit(storage.bucket(bucket).file(name).save(text, {resumable: false, contentType: 'application/json'}), `writing ${uri}`)
      } catch (error) {
        throw gcsError(error, uri)
      }
    },
  }
}

declare module '../ctx.js' {
  interface ClientFactories {
    /** The object store for pipeline-root outputs (tests point it at the GCS emulator). */
    objectStore: () => Promise<ObjectStore>
  }
}
