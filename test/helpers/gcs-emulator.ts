/**
 * A small Google Cloud Storage JSON-API emulator on loopback, enough for @google-cloud/storage v7 pointed at it with
 * `apiEndpoint` or STORAGE_EMULATOR_HOST:
 *
 * - buckets: list (`GET /storage/v1/b?project=`), create (`POST /storage/v1/b`), get;
 * - objects: list with `prefix`, `delimiter`, `pageToken`/`maxResults` (pages of at most `pageSize` items, so tests
 *   can force paging), get metadata, media download (`alt=media`, also under `/download/storage/v1`) with
 *   `x-goog-hash`, delete;
 * - uploads as the library sends them: `uploadType=media`, `multipart` (multipart/related: JSON metadata + media)
 *   and `resumable` (POST → Location with `upload_id`, then PUT chunks with Content-Range; 308 until the last one).
 *
 * Errors use the JSON API's shape (`{error: {code, message, errors: [{reason}]}}`). `failNext` injects one error
 * answer (401/403/503…) for requests matching a pattern. Every request is recorded in `requests`.
 */
import {createHash} from 'node:crypto'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {CRC32C} from '@google-cloud/storage'

/** base64 CRC32C, as GCS reports it (the library validates transfers with it). */
function crc32c(data: Buffer): string {
  const c = new CRC32C()
  c.update(data)
  return c.toString()
}

export interface GcsObject {
  bucket: string
  name: string
  data: Buffer
  contentType: string
  generation: string
  updated: string
  metadata?: Record<string, string>
}

export interface GcsEmulator {
  /** `http://127.0.0.1:<port>`: give it as apiEndpoint or STORAGE_EMULATOR_HOST. */
  url: string
  buckets: Set<string>
  /** Key: `<bucket>/<name>`. */
  objects: Map<string, GcsObject>
  requests: Array<{method: string; path: string; query: Record<string, string>}>
  /** Puts an object directly (test setup). */
  put(bucket: string, name: string, data: string | Buffer, contentType?: string): void
  /** The object's text, or undefined. */
  text(bucket: string, name: string): string | undefined
  /** Answers the next request whose `METHOD path` matches with this HTTP status (JSON API error body). */
  failNext(status: number, match?: RegExp, times?: number): void
  close(): Promise<void>
}

const REASONS: Record<number, string> = {400: 'invalid', 401: 'required', 403: 'forbidden', 404: 'notFound', 409: 'conflict', 412: 'conditionNotMet', 500: 'backendError', 503: 'backendError'}

/** Starts the emulator on 127.0.0.1 with a random port; `pageSize` caps every object listing page (default 1000). */
export async function startGcsEmulator(opts: {pageSize?: number; buckets?: string[]} = {}): Promise<GcsEmulator> {
  const buckets = new Set(opts.buckets ?? [])
  const objects = new Map<string, GcsObject>()
  const requests: GcsEmulator['requests'] = []
  const failures: Array<{status: number; match?: RegExp; times: number}> = []
  const uploads = new Map<string, {bucket: string; name: string; contentType: string; chunks: Buffer[]; received: number}>()
  let generation = 1
  let base = ''

  const put = (bucket: string, name: string, data: string | Buffer, contentType = 'application/octet-stream') => {
    buckets.add(bucket)
    objects.set(`${bucket}/${name}`, {bucket, name, data: Buffer.from(data), contentType, generation: String(generation++), updated: new Date().toISOString()})
  }

  const resource = (o: GcsObject) => ({
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    selfLink: `${base}/storage/v1/b/${o.bucket}/o/${encodeURIComponent(o.name)}`,
    mediaLink: `${base}/download/storage/v1/b/${o.bucket}/o/${encodeURIComponent(o.name)}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket: o.bucket,
    generation: o.generation,
    metageneration: '1',
    contentType: o.contentType,
    size: String(o.data.length),
    md5Hash: createHash('md5').update(o.data).digest('base64'),
    crc32c: crc32c(o.data),
    timeCreated: o.updated,
    updated: o.updated,
    storageClass: 'STANDARD',
    ...(o.metadata ? {metadata: o.metadata} : {}),
  })

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      try {
        handle(req, Buffer.concat(chunks), res)
      } catch (error) {
        sendError(res, 500, `emulator crashed: ${(error as Error).stack}`)
      }
    })
  })

  function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, {'content-type': 'application/json; charset=UTF-8', ...headers})
    res.end(JSON.stringify(body))
  }
  function sendError(res: http.ServerResponse, status: number, message: string) {
    sendJson(res, status, {error: {code: status, message, errors: [{message, domain: 'global', reason: REASONS[status] ?? 'unknown'}]}})
  }

  function handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x')
    const method = req.method ?? 'GET'
    const p = url.pathname
    const q = url.searchParams
    requests.push({method, path: p, query: Object.fromEntries(q)})
    const failure = failures.find((f) => f.times > 0 && (!f.match || f.match.test(`${method} ${p}`)))
    if (failure) {
      failure.times--
      return sendError(res, failure.status, failure.status === 403 ? 'caller does not have storage.objects.get access' : `injected ${failure.status}`)
    }
    let m: RegExpExecArray | null
    // Buckets
    if (p === '/storage/v1/b' && method === 'GET') {
      return sendJson(res, 200, {kind: 'storage#buckets', items: [...buckets].sort().map((name) => ({kind: 'storage#bucket', id: name, name}))})
    }
    if (p === '/storage/v1/b' && method === 'POST') {
      const name = JSON.parse(body.toString('utf8') || '{}').name as string
      if (!name) return sendError(res, 400, 'bucket name required')
      if (buckets.has(name)) return sendError(res, 409, `bucket ${name} already exists`)
      buckets.add(name)
      return sendJson(res, 200, {kind: 'storage#bucket', id: name, name})
    }
    if ((m = /^\/storage\/v1\/b\/([^/]+)$/.exec(p)) && method === 'GET') {
      const name = decodeURIComponent(m[1])
      return buckets.has(name) ? sendJson(res, 200, {kind: 'storage#bucket', id: name, name}) : sendError(res, 404, `The specified bucket does not exist.`)
    }
    // Object listing
    if ((m = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(p)) && method === 'GET') {
      const bucket = decodeURIComponent(m[1])
      if (!buckets.has(bucket)) return sendError(res, 404, 'The specified bucket does not exist.')
      const prefix = q.get('prefix') ?? ''
      const delimiter = q.get('delimiter') ?? ''
      const names = [...objects.values()].filter((o) => o.bucket === bucket && o.name.startsWith(prefix)).sort((a, b) => (a.name < b.name ? -1 : 1))
      const items: GcsObject[] = []
      const prefixes = new Set<string>()
      for (const o of names) {
        const rest = o.name.slice(prefix.length)
        const i = delimiter ? rest.indexOf(delimiter) : -1
        if (i >= 0) prefixes.add(prefix + rest.slice(0, i + delimiter.length))
        else items.push(o)
      }
      const size = Math.min(Number(q.get('maxResults') ?? Infinity), opts.pageSize ?? 1000)
      const start = Number(q.get('pageToken') ?? 0)
      const page = items.slice(start, start + size)
      const out: Record<string, unknown> = {kind: 'storage#objects'}
      if (page.length) out.items = page.map(resource)
      if (prefixes.size && start === 0) out.prefixes = [...prefixes]
      if (start + size < items.length) out.nextPageToken = String(start + size)
      return sendJson(res, 200, out)
    }
    // One object: metadata, media, delete
    if ((m = /^\/(storage|download\/storage)\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(p))) {
      const bucket = decodeURIComponent(m[2])
      const name = decodeURIComponent(m[3])
      const o = objects.get(`${bucket}/${name}`)
      if (!o) return sendError(res, 404, `No such object: ${bucket}/${name}`)
      if (method === 'DELETE') {
        objects.delete(`${bucket}/${name}`)
        res.writeHead(204)
        return res.end()
      }
      if (method !== 'GET') return sendError(res, 400, `unsupported ${method}`)
      if (q.get('alt') === 'media') {
        res.writeHead(200, {
          'content-type': o.contentType,
          'content-length': String(o.data.length),
          'x-goog-hash': `crc32c=${crc32c(o.data)},md5=${createHash('md5').update(o.data).digest('base64')}`,
          'x-goog-generation': o.generation,
          'x-goog-stored-content-encoding': 'identity',
        })
        return res.end(o.data)
      }
      return sendJson(res, 200, resource(o))
    }
    // Uploads
    if ((m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(p))) {
      const bucket = decodeURIComponent(m[1])
      if (!buckets.has(bucket)) return sendError(res, 404, 'The specified bucket does not exist.')
      const type = q.get('uploadType')
      if (method === 'POST' && type === 'media') {
        const name = q.get('name')
        if (!name) return sendError(res, 400, 'name required')
        put(bucket, name, body, String(req.headers['content-type'] ?? 'application/octet-stream'))
        return sendJson(res, 200, resource(objects.get(`${bucket}/${name}`)!))
      }
      if (method === 'POST' && type === 'multipart') {
        const parts = parseMultipartRelated(String(req.headers['content-type'] ?? ''), body)
        if (!parts || parts.length < 2) return sendError(res, 400, 'expected multipart/related with metadata and media')
        const meta = JSON.parse(parts[0].body.toString('utf8') || '{}') as {name?: string; contentType?: string; metadata?: Record<string, string>}
        const name = meta.name ?? q.get('name')
        if (!name) return sendError(res, 400, 'name required')
        put(bucket, name, parts[1].body, meta.contentType ?? parts[1].contentType ?? 'application/octet-stream')
        const o = objects.get(`${bucket}/${name}`)!
        if (meta.metadata) o.metadata = meta.metadata
        return sendJson(res, 200, resource(o))
      }
      if (method === 'POST' && type === 'resumable') {
        const meta = body.length ? (JSON.parse(body.toString('utf8')) as {name?: string; contentType?: string}) : {}
        const name = meta.name ?? q.get('name')
        if (!name) return sendError(res, 400, 'name required')
        const id = `up-${uploads.size + 1}-${Date.now().toString(36)}`
        uploads.set(id, {bucket, name, contentType: meta.contentType ?? String(req.headers['x-upload-content-type'] ?? 'application/octet-stream'), chunks: [], received: 0})
        res.writeHead(200, {location: `${base}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`, 'content-length': '0'})
        return res.end()
      }
      if (method === 'PUT' && type === 'resumable') {
        const up = uploads.get(q.get('upload_id') ?? '')
        if (!up) return sendError(res, 404, 'no such upload session')
        // Content-Range: `bytes A-B/TOTAL`, `bytes A-B/*` (a chunk, more to come), `bytes A-*/*` (the whole rest in this
        // request: the library's single-request stream), or `bytes */TOTAL` (status query / empty end).
        const range = String(req.headers['content-range'] ?? '')
        const rm = /^bytes (\*|(\d+)-(\d+|\*))\/(\*|\d+)$/.exec(range)
        if (range && !rm) return sendError(res, 400, `bad Content-Range ${range}`)
        if (body.length) {
          up.chunks.push(body)
          up.received += body.length
        }
        const total = !rm || rm[3] === '*' ? String(up.received) : rm[4]
        if (total === '*' || Number(total) > up.received) {
          res.writeHead(308, up.received ? {range: `bytes=0-${up.received - 1}`, 'content-length': '0'} : {'content-length': '0'})
          return res.end()
        }
        uploads.delete(q.get('upload_id')!)
        put(up.bucket, up.name, Buffer.concat(up.chunks), up.contentType)
        return sendJson(res, 200, resource(objects.get(`${up.bucket}/${up.name}`)!))
      }
    }
    return sendError(res, 400, `the emulator does not implement ${method} ${p}`)
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: base,
    buckets,
    objects,
    requests,
    put,
    text: (bucket, name) => objects.get(`${bucket}/${name}`)?.data.toString('utf8'),
    failNext: (status, match, times = 1) => void failures.push({status, match, times}),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Splits a multipart/related body into its parts (headers' content-type and body). */
function parseMultipartRelated(contentType: string, body: Buffer): Array<{contentType?: string; body: Buffer}> | undefined {
  const bm = /boundary="?([^";]+)"?/i.exec(contentType)
  if (!/^multipart\/related/i.test(contentType) || !bm) return undefined
  const delim = Buffer.from(`--${bm[1]}`)
  const parts: Array<{contentType?: string; body: Buffer}> = []
  let pos = body.indexOf(delim)
  while (pos >= 0) {
    const start = pos + delim.length
    if (body.subarray(start, start + 2).toString() === '--') break
    const next = body.indexOf(delim, start)
    if (next < 0) break
    const part = body.subarray(start, next)
    const sep = part.indexOf('\r\n\r\n')
    const head = part.subarray(0, sep).toString('utf8')
    let content = part.subarray(sep + 4)
    if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2)
    parts.push({contentType: /content-type:\s*([^\r\n]+)/i.exec(head)?.[1], body: content})
    pos = next
  }
  return parts
}
