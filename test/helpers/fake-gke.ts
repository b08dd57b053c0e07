import http from 'node:http'
import type {AddressInfo} from 'node:net'

/** One request the fake received. */
export interface FakeGkeRequest {
  method: string
  path: string
  body?: any
  authorization?: string
}

/** A canned error for requests whose "METHOD path" matches. */
export interface FakeGkeFailure {
  match: RegExp
  status: number
  message: string
  reason?: string
}

export interface FakeGke {
  url: string
  requests: FakeGkeRequest[]
  clusters: Map<string, any>
  failures: FakeGkeFailure[]
  close(): Promise<void>
}

// A syntactically valid self-signed CA, only so that gcloud can write a kubeconfig entry.
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUfakefakefakefakefakefakefakefakewCgYIKoZIzj0EAwIw\n-----END CERTIFICATE-----\n'

const STATUS: Record<number, string> = {400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS', 429: 'RESOURCE_EXHAUSTED'}

/**
 * A loopback stand-in for container.googleapis.com (v1) and serviceusage.googleapis.com, enough for the real gcloud
 * (pointed here with CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER/_SERVICEUSAGE) to create, describe, list and delete
 * clusters: every request is recorded (with its JSON body) for assertions; operations finish at once.
 */
export async function startFakeGke(): Promise<FakeGke> {
  const requests: FakeGkeRequest[] = []
  const clusters = new Map<string, any>()
  const failures: FakeGkeFailure[] = []
  let ops = 0
  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (d) => (raw += d))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      let body: any
      try {
        body = raw ? JSON.parse(raw) : undefined
      } catch {
        body = raw
      }
      const method = req.method ?? 'GET'
      requests.push({method, path: url.pathname, body, authorization: req.headers.authorization})
      const send = (status: number, json: unknown) => {
        res.writeHead(status, {'content-type': 'application/json; charset=UTF-8'})
        res.end(JSON.stringify(json))
      }
      const fail = (status: number, message: string, reason?: string) =>
        send(status, {error: {code: status, message, status: STATUS[status] ?? 'UNKNOWN', ...(reason ? {details: [{'@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason}]} : {})}})
      const f = failures.find((x) => x.match.test(`${method} ${url.pathname}`))
      if (f) return fail(f.status, f.message, f.reason)
      const op = (type: string, project: string, loc: string, name: string) => {
        ops += 1
        return {
          name: `operation-${ops}`,
          operationType: type,
          status: 'DONE',
          zone: loc,
          selfLink: `${baseUrl}v1/projects/${project}/locations/${loc}/operations/operation-${ops}`,
          targetLink: `${baseUrl}v1/projects/${project}/locations/${loc}/clusters/${name}`,
          startTime: new Date().toISOString(),
          endTime: new Date().toISOString(),
        }
      }
      let m: RegExpExecArray | null
      if ((m = /^\/v1\/projects\/([^/]+)\/services\/([^/]+)$/.exec(url.pathname)) && method === 'GET') {
        return send(200, {name: `projects/${m[1]}/services/${m[2]}`, state: 'ENABLED', config: {name: m[2]}})
      }
      if ((m = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/operations\/([^/]+)$/.exec(url.pathname))) {
        return send(200, {name: m[3], status: 'DONE', zone: m[2], operationType: 'CREATE_CLUSTER', selfLink: `${baseUrl}${url.pathname.slice(1)}`})
      }
      if ((m = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/clusters$/.exec(url.pathname))) {
        const [, project, loc] = m
        if (method === 'GET') return send(200, {clusters: [...clusters.values()].filter((c) => loc === '-' || c.location === loc)})
        if (method === 'POST') {
          const c = body?.cluster ?? {}
          if (clusters.has(`${loc}/${c.name}`)) return fail(409, `Already exists: projects/${project}/locations/${loc}/clusters/${c.name}.`)
          const pool = c.nodePools?.[0] ?? {}
          const cluster = {
            ...c,
            location: loc,
            zone: loc,
            status: 'RUNNING',
            endpoint: '127.0.0.1',
            currentMasterVersion: '1.30.5-gke.1',
            currentNodeVersion: '1.30.5-gke.1',
            currentNodeCount: pool.initialNodeCount ?? c.initialNodeCount ?? 3,
            nodeConfig: pool.config ?? c.nodeConfig,
            masterAuth: {clusterCaCertificate: Buffer.from(CA_PEM).toString('base64')},
            selfLink: `${baseUrl}v1/projects/${project}/locations/${loc}/clusters/${c.name}`,
          }
          clusters.set(`${loc}/${c.name}`, cluster)
          return send(200, op('CREATE_CLUSTER', project, loc, c.name))
        }
      }
      if ((m = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/clusters\/([^/:]+)$/.exec(url.pathname))) {
        const [, project, loc, name] = m
        const c = clusters.get(`${loc}/${name}`)
        if (!c) return fail(404, `Not found: projects/${project}/locations/${loc}/clusters/${name}.`)
        if (method === 'GET') return send(200, c)
        if (method === 'DELETE') {
          clusters.delete(`${loc}/${name}`)
          return send(200, op('DELETE_CLUSTER', project, loc, name))
        }
      }
      return fail(404, `fake-gke: no route for ${method} ${url.pathname}`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  return {
    url: baseUrl,
    requests,
    clusters,
    failures,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
