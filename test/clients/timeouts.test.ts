import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createObjectStore} from '../../src/clients/gcs.js'
import {createKubeClient} from '../../src/clients/kube.js'
import {isCliError} from '../../src/lib/errors.js'
import {tmpdir} from '../helpers/tmp.js'

// A loopback server that accepts requests and never answers: a hung API.
let server: http.Server
let url: string
let dir: string
let cleanup: () => Promise<void>
const t = suite('clients give up on a server that never answers')
t.before.each(async () => {
  server = http.createServer(() => {})
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  ;({dir, cleanup} = await tmpdir())
})
t.after.each(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  await cleanup()
})

t('kube: listing pods times out with SERVER_TIMEOUT and a hint', async () => {
  // Given a kubeconfig pointing at the hung server and a short timeout
  const kubeconfig = path.join(dir, 'kubeconfig')
  await writeFile(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: hung\n  cluster:\n    server: ${url}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: hung\n  context: {cluster: hung, user: u}\ncurrent-context: hung\n`,
  )
  const client = await createKubeClient({KUBECONFIG: kubeconfig, KFP_HTTP_TIMEOUT_MS: '300'})
  // When
  const t0 = Date.now()
  const err = await client.listPods('kubeflow', 'pipeline/runid=r').then(() => undefined, (e) => e)
  // Then
  assert.ok(isCliError(err), String(err))
  assert.is(err.kfpCode, 'SERVER_TIMEOUT')
  assert.match(err.message, /^The Kubernetes API did not answer within 0\.3s/)
  assert.ok(Date.now() - t0 < 5000, 'gave up in time')
})

t('gcs: reading an object times out with SERVER_TIMEOUT', async () => {
  // Given
  const store = await createObjectStore({KFP_HTTP_TIMEOUT_MS: '300'}, {apiEndpoint: url})
  // When
  const t0 = Date.now()
  const err = await store.readText('gs://bucket/kfp_outputs').then(() => undefined, (e) => e)
  // Then
  assert.ok(isCliError(err), String(err))
  assert.is(err.kfpCode, 'SERVER_TIMEOUT', err.message)
  assert.ok(Date.now() - t0 < 10_000, 'gave up in time')
})

t.run()
