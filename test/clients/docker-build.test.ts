// clients/docker-build reading the daemon's build and push event streams when they arrive cut inside a UTF-8 character.
// The stream is what the Docker Engine API's POST /build and POST /images/{name}/push answer: JSON messages (moby's
// pkg/jsonmessage JSONMessage: stream, status, id, aux, error, errorDetail) one per line, raw UTF-8 (Go's encoding/json
// does not escape non-ASCII). Only dockerode's call is replaced; the body is cut at chosen bytes (fault injection: a
// read from the daemon's socket can end at any byte).
import {Readable} from 'node:stream'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {buildImage, pushImage} from '../../src/clients/docker-build.js'
import {isCliError} from '../../src/lib/errors.js'

const events = suite('docker-build: build and push event streams cut inside UTF-8 characters')

/** The body as chunks cut at these byte offsets. */
const cutAt = (body: string, at: number[]) => {
  const bytes = Buffer.from(body, 'utf8')
  const ends = [...at, bytes.length]
  return Readable.from(ends.map((end, i) => bytes.subarray(i ? ends[i - 1] : 0, end)))
}
/** Byte offset of the middle of the first `ch` in `body` (a cut there splits that character). */
const inside = (body: string, ch: string) => Buffer.byteLength(body.slice(0, body.indexOf(ch))) + 1

const line = 'café 日本 🎉'

events("a build's output line arrives whole in onLog and the build log", async () => {
  // Given a build whose output message is cut inside é, 日 and 🎉
  const body = `{"stream":"Step 1/2 : FROM scratch\\n"}\n{"stream":"${line}\\n"}\n{"aux":{"ID":"sha256:abc"}}\n`
  const docker = {buildImage: async () => cutAt(body, [inside(body, 'é'), inside(body, '日'), inside(body, '🎉')])} as unknown as import('dockerode')
  const shown: string[] = []
  // When
  const r = await buildImage({}, docker, {context: Readable.from([]), dockerfile: 'Dockerfile', tag: 't:1', onLog: (l) => shown.push(l)})
  // Then
  assert.equal(shown, ['Step 1/2 : FROM scratch', line])
  assert.equal(r.log, shown)
  assert.is(r.imageId, 'sha256:abc')
})

events("a push refused with a non-ASCII reason says it whole", async () => {
  // Given a push whose error message is cut inside é
  const reason = 'denied: accès refusé'
  const body = `{"status":"The push refers to repository [localhost:5000/x]"}\n{"errorDetail":{"message":"${reason}"},"error":"${reason}"}\n`
  const docker = {getImage: () => ({push: async () => cutAt(body, [inside(body, 'è'), inside(body, 'é')])})} as unknown as import('dockerode')
  // When
  const e = await pushImage({}, docker, {repository: 'localhost:5000/x', tag: '1'}).catch((x) => x)
  // Then
  assert.ok(isCliError(e))
  assert.is(e.kfpCode, 'REGISTRY_DENIED')
  assert.match(e.message, reason)
})

events.run()
