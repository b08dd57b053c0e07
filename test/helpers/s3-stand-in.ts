/**
 * A small S3-API stand-in for MinIO on loopback (the artifact store of a default `kfp deploy` install), enough for the
 * `minio` client that kfp uses: path-style `GET/PUT/HEAD /{bucket}/{key}` and ListObjectsV2
 * (`GET /{bucket}?list-type=2&prefix=`), with S3's XML error bodies (NoSuchKey, NoSuchBucket, AccessDenied). Requests
 * must be signed with Signature V4 by `accessKey` (the Credential in the Authorization header; the signature itself is
 * not recomputed). Every request is recorded.
 *
 * MinIO is not part of kubeflow/pipelines: this follows the Amazon S3 API reference (GetObject, PutObject, HeadObject,
 * ListObjectsV2, "Error responses" / REST error codes) and AWS Signature V4's Authorization header format, as far as
 * the `minio` npm client uses them. It has not been checked against MinIO's (or SeaweedFS's) source.
 */
import http from 'node:http'
import type {AddressInfo} from 'node:net'

export interface S3StandIn {
  /** `http://127.0.0.1:<port>`: KFP_S3_ENDPOINT. */
  url: string
  accessKey: string
  secretKey: string
  /** Key: `<bucket>/<key>`. */
  objects: Map<string, Buffer>
  buckets: Set<string>
  requests: Array<{method: string; path: string; query: Record<string, string>; accessKey?: string}>
  put(bucket: string, key: string, data: string | Buffer): void
  close(): Promise<void>
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export async function startS3StandIn(o: {buckets?: string[]; accessKey?: string; secretKey?: string} = {}): Promise<S3StandIn> {
  const accessKey = o.accessKey ?? 'minio'
  const secretKey = o.secretKey ?? 'minio123'
  const buckets = new Set(o.buckets ?? ['mlpipeline'])
  const objects = new Map<string, Buffer>()
  const requests: S3StandIn['requests'] = []
  const error = (res: http.ServerResponse, status: number, code: string, message: string, resource: string) => {
    res.writeHead(status, {'content-type': 'application/xml'})
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><Resource>${xmlEscape(resource)}</Resource><RequestId>1</RequestId></Error>`)
  }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      const q = Object.fromEntries(url.searchParams)
      const cred = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1]
      requests.push({method: req.method ?? 'GET', path: url.pathname, query: q, accessKey: cred})
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) return error(res, 403, 'AccessDenied', 'Access Denied.', url.pathname)
      if (cred !== accessKey) return error(res, 403, 'InvalidAccessKeyId', 'The Access Key Id you provided does not exist in our records.', url.pathname)
      const [, bucket, ...rest] = url.pathname.split('/')
      const key = decodeURIComponent(rest.join('/'))
      if (!buckets.has(bucket)) return error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', `/${bucket}`)
      if (!key && req.method === 'GET' && q['list-type'] === '2') {
        const prefix = q.prefix ?? ''
        const keys = [...objects.keys()].filter((k) => k.startsWith(`${bucket}/${prefix}`)).map((k) => k.slice(bucket.length + 1)).sort()
        res.writeHead(200, {'content-type': 'application/xml'})
        return res.end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>` +
            keys.map((k) => `<Contents><Key>${xmlEscape(k)}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>"0"</ETag><Size>${objects.get(`${bucket}/${k}`)!.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`).join('') +
            '</ListBucketResult>',
        )
      }
      if (req.method === 'PUT' && key) {
        objects.set(`${bucket}/${key}`, Buffer.concat(chunks))
        res.writeHead(200, {etag: '"0"'})
        return res.end()
      }
      if ((req.method === 'GET' || req.method === 'HEAD') && key) {
        const data = objects.get(`${bucket}/${key}`)
        if (!data) return error(res, 404, 'NoSuchKey', 'The specified key does not exist.', url.pathname)
        res.writeHead(200, {'content-type': 'application/octet-stream', 'content-length': String(data.length), etag: '"0"', 'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT'})
        return res.end(req.method === 'HEAD' ? undefined : data)
      }
      return error(res, 501, 'NotImplemented', `the stand-in does not serve ${req.method} ${url.pathname}`, url.pathname)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accessKey,
    secretKey,
    objects,
    buckets,
    requests,
    put: (bucket, key, data) => void objects.set(`${bucket}/${key}`, Buffer.from(data)),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

/**
 * Makes `s3` the MinIO of a fake KFP server: the minio:// objects its launcher writes (to the run's pipeline root,
 * `minio://mlpipeline/...`) are put into the stand-in, where kfp reads them with the user's credentials.
 */
export function storeMinioWritesIn(server: {onObject?: (uri: string, data: Buffer) => void}, s3: S3StandIn): void {
  server.onObject = (uri, data) => {
    const m = /^minio:\/\/([^/]+)\/(.*)$/.exec(uri)
    if (m) s3.put(m[1], m[2], data)
  }
}
