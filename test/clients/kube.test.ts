import {getEventListeners} from 'node:events'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createKubeClient} from '../../src/clients/kube.js'
import {isCliError} from '../../src/lib/errors.js'
import {startFakeKube, type FakeKube} from '../helpers/fake-kube.js'
import {tmpdir} from '../helpers/tmp.js'

const kube = suite('clients/kube: @kubernetes/client-node against a fake Kubernetes API')
let fk: FakeKube
let dir: string
let cleanup: () => Promise<void>
kube.before.each(async () => {
  fk = await startFakeKube()
  ;({dir, cleanup} = await tmpdir())
})
kube.after.each(async () => {
  await fk.close()
  await cleanup()
})

kube('listPods selects by the pipeline/runid label and maps names, annotations and containers', async () => {
  // Given
  fk.addPod({name: 'wf-run-1-system-container-impl-1', runId: 'run-1', step: 'hello'})
  fk.addPod({name: 'wf-run-1-system-container-driver-2', runId: 'run-1', step: 'hello', role: 'driver'})
  fk.addPod({name: 'wf-run-2-system-container-impl-3', runId: 'run-2', step: 'hello'})
  const client = await createKubeClient({KUBECONFIG: await fk.kubeconfig(dir)})
  // When
  const pods = await client.listPods('kubeflow', 'pipeline/runid=run-1')
  // Then
  assert.equal(pods.map((p) => p.name).sort(), ['wf-run-1-system-container-driver-2', 'wf-run-1-system-container-impl-1'])
  const impl = pods.find((p) => p.name.includes('impl'))!
  assert.equal(impl.containers, ['main', 'wait'])
  assert.is(impl.annotations['workflows.argoproj.io/node-name'], 'wf-run-1.root.hello.executor')
  assert.is(impl.labels['pipeline/runid'], 'run-1')
  assert.ok(fk.requests.some((r) => r.query.labelSelector === 'pipeline/runid=run-1'))
})

kube('streamLog with follow gets the lines as they are written and resolves when the container ends', async () => {
  // Given a container that writes a line every 150 ms
  fk.addPod({name: 'p1', runId: 'r', step: 's', log: ['one', 'two', 'three', 'four'], lineIntervalMs: 150})
  const client = await createKubeClient({KUBECONFIG: await fk.kubeconfig(dir)})
  const got: Array<{text: string; at: number}> = []
  // When
  await client.streamLog('kubeflow', 'p1', 'main', {follow: true, signal: new AbortController().signal, onChunk: (text) => got.push({text, at: Date.now()})})
  // Then: everything arrived, and the first line before the last one was even written
  assert.is(got.map((g) => g.text).join(''), 'one\ntwo\nthree\nfour\n')
  const lastWritten = fk.written.find((w) => w.line === 'four')!.at
  assert.ok(got[0].at < lastWritten, 'expected the first chunk before the last line was written')
  assert.equal(fk.requests.filter((r) => r.path.endsWith('/log')).map((r) => [r.query.container, r.query.follow]), [['main', 'true']])
})

kube('streamLog leaves no abort listener on the signal once the stream has ended (kfp logs -f: many streams, one signal)', async () => {
  // Given twelve containers that have ended, read one after the other with one signal
  for (let i = 0; i < 12; i++) fk.addPod({name: `p${i}`, runId: 'r', step: `s${i}`, log: [`line ${i}`]})
  const client = await createKubeClient({KUBECONFIG: await fk.kubeconfig(dir)})
  const stop = new AbortController()
  let text = ''
  // When
  for (let i = 0; i < 12; i++) await client.streamLog('kubeflow', `p${i}`, 'main', {follow: true, signal: stop.signal, onChunk: (t) => (text += t)})
  // Then: every log arrived, and nothing is left listening (Node would warn of a leak past 10)
  assert.is(text.split('\n').filter(Boolean).length, 12)
  assert.is(getEventListeners(stop.signal, 'abort').length, 0)
})

kube('streamLog keeps a UTF-8 character whole when the body is cut inside it (follow and not), and hands over no empty chunk', async () => {
  // Given a log whose body is cut inside é (bytes 3-4), 日 (6-8) and 🎉 (13-16)
  const line = 'café 日本 🎉'
  fk.addPod({name: 'utf', runId: 'r', step: 's', log: [line, 'end']})
  fk.split.push({pod: /^utf$/, atBytes: [4, 7, 15]})
  const client = await createKubeClient({KUBECONFIG: await fk.kubeconfig(dir)})
  await new Promise((r) => setTimeout(r, 20))
  for (const follow of [true, false]) {
    const chunks: string[] = []
    // When
    await client.streamLog('kubeflow', 'utf', 'main', {follow, signal: new AbortController().signal, onChunk: (t) => chunks.push(t)})
    // Then: the cuts reached the client (more than one chunk), and the text is whole
    assert.is(chunks.join(''), `${line}\nend\n`, `follow=${follow}`)
    assert.ok(chunks.length >= 4, `follow=${follow}: expected the body in pieces, got ${JSON.stringify(chunks)}`)
    assert.not.ok(chunks.includes(''), `follow=${follow}: an empty chunk`)
  }
})

kube('streamLog stops when the signal aborts, before the container ends', async () => {
  // Given a slow container
  fk.addPod({name: 'slow', runId: 'r', step: 's', log: ['a', 'b', 'c', 'd', 'e', 'f'], lineIntervalMs: 200})
  const client = await createKubeClient({KUBECONFIG: await fk.kubeconfig(dir)})
  const stop = new AbortController()
  let text = ''
  // When
  setTimeout(() => stop.abort(), 500)
  const t0 = Date.now()
  await client.streamLog('kubeflow', 'slow', 'main', {follow: true, signal: stop.signal, onChunk: (t) => (text += t)})
  // Then
  assert.ok(Date.now() - t0 < 1100, 'expected to stop early')
  assert.match(text, /^a\nb\n/)
  assert.not.match(text, /f/)
})

kube('a refused token is KUBE_ERROR with exit 4 and the kubeconfig hints; no kubeconfig at all is exit 3', async () => {
  // Given
  const file = await fk.kubeconfig(dir)
  const {readFile, writeFile} = await import('node:fs/promises')
  await writeFile(file, (await readFile(file, 'utf8')).replace(fk.token, 'wrong'))
  const client = await createKubeClient({KUBECONFIG: file})
  // When
  const e = await client.listPods('kubeflow', 'pipeline/runid=x').catch((x) => x)
  // Then
  assert.ok(isCliError(e))
  assert.is(e.kfpCode, 'KUBE_ERROR')
  assert.is(e.exitCode, 4)
  assert.ok(e.hints.some((h) => h.includes('kubectl config current-context')))
  // When
  const none = await createKubeClient({KUBECONFIG: `${dir}/missing`}).catch((x) => x)
  // Then
  assert.ok(isCliError(none))
  assert.is(none.exitCode, 3)
})

kube.run()
