// clients/docker pull reading the daemon's event stream when it arrives cut inside a UTF-8 character. A small stand-in
// for the Docker Engine API on loopback (DOCKER_HOST=tcp://…, dockerode's own requests): `POST /images/create`
// answers 200 and streams JSON messages, one per line (moby api/server/router/image postImagesCreate writes
// pkg/jsonmessage JSONMessage: status, id, progress, and errorDetail/error for a pull that fails midway). The body is
// written in pieces cut at chosen bytes, 30 ms apart: fault injection (a socket read can end at any byte).
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createDockerClient, type DockerProgress} from '../../src/clients/docker.js'
import {isCliError} from '../../src/lib/errors.js'

const P = suite('docker pull: an event stream cut inside UTF-8 characters')
let server: http.Server
let host: string
let body = ''
let cuts: number[] = []
const requests: string[] = []
P.before(async () => {
  server = http.createServer(async (req, res) => {
    requests.push(`${req.method} ${(req.url ?? '').split('?')[0]}`)
    req.resume()
    if (req.method !== 'POST' || !/\/images\/create$/.test((req.url ?? '').split('?')[0])) return void res.writeHead(404, {'content-type': 'application/json'}).end('{"message":"page not found"}')
    res.writeHead(200, {'content-type': 'application/json'})
    const bytes = Buffer.from(body, 'utf8')
    const ends = [...cuts, bytes.length]
    for (const [i, end] of ends.entries()) {
      if (i) await new Promise((r) => setTimeout(r, 30))
      res.write(bytes.subarray(i ? ends[i - 1] : 0, end))
    }
    res.end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  host = `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`
})
P.after(() => new Promise<void>((r) => server.close(() => r())))

/** Byte offset of the middle of the first `ch` in `text`. */
const inside = (text: string, ch: string) => Buffer.byteLength(text.slice(0, text.indexOf(ch))) + 1

P("a pull that fails midway says the daemon's reason whole; progress statuses arrive whole", async () => {
  // Given a pull whose status and error messages are cut inside é, 日 and 🎉
  const status = 'Téléchargement 日本'
  const reason = 'manifest inconnu: l’image 🎉 n’existe pas'
  body = `{"status":"${status}","id":"abc"}\n{"errorDetail":{"message":"${reason}"},"error":"${reason}"}\n`
  cuts = [inside(body, 'é'), inside(body, '日'), inside(body, '🎉')]
  const seen: DockerProgress[] = []
  // When
  const e = await createDockerClient({DOCKER_HOST: host})
    .pull('registry.example/x:1', (p) => seen.push(p))
    .catch((x) => x)
  // Then
  assert.ok(requests.includes('POST /images/create'), requests.join(', '))
  assert.ok(isCliError(e), String(e))
  assert.is(e.kfpCode, 'IMAGE_PULL_FAILED')
  assert.match(e.message, reason)
  assert.equal(seen.map((p) => [p.status, p.id]), [[status, 'abc']])
})

P('a pull that succeeds resolves after its last event', async () => {
  body = '{"status":"Pulling from x","id":"1"}\n{"status":"Digest: sha256:00"}\n{"status":"Status: Downloaded newer image for x:1"}\n'
  cuts = [10, 45]
  const seen: DockerProgress[] = []
  await createDockerClient({DOCKER_HOST: host}).pull('x:1', (p) => seen.push(p))
  assert.equal(seen.map((p) => p.status), ['Pulling from x', 'Digest: sha256:00', 'Status: Downloaded newer image for x:1'])
})

P.run()
