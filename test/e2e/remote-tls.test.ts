/**
 * Issue 12 item 4: a remote `kfp run --watch` without cluster access prints no TLS warnings. The KFP endpoint is https
 * with a self-signed certificate made here with openssl; the target trusts it through --ca-file or skips verification
 * with --insecure. kfp passes `ca` / `rejectUnauthorized` per request (clients/kfp-api.ts, clients/mlmd.ts), never
 * NODE_TLS_REJECT_UNAUTHORIZED, whose use Node reports with a "Warning: Setting the NODE_TLS_REJECT_UNAUTHORIZED
 * environment variable to '0' makes TLS connections and HTTPS requests insecure" line on stderr.
 */
import {execFileSync} from 'node:child_process'
import {cp, readFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {repoRoot, runCli} from '../helpers/cli.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {tmpdir} from '../helpers/tmp.js'

const t = suite('kfp run --watch on an https KFP endpoint with a self-signed certificate, no kube context')
let server: FakeKfpServer
let dir: string
let cert: string
let cleanup: () => Promise<void>
const steps = ['preprocess', 'hypertrain', 'traintuned', 'deploy']

t.before.each(async () => {
  const tmp = await tmpdir('kfp-remote-tls-')
  cleanup = tmp.cleanup
  dir = path.join(tmp.dir, 'bw')
  await cp(path.join(repoRoot, 'test', 'fixtures', 'projects', 'babyweight'), dir, {recursive: true})
  cert = path.join(tmp.dir, 'cert.pem')
  const key = path.join(tmp.dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {stdio: 'ignore'})
  server = await startFakeKfp({tls: {key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8')}})
  server.defaultRunScript = [
    {state: 'RUNNING', tasks: [{display_name: 'preprocess', state: 'RUNNING', log: 'reading\n'}]},
    {state: 'SUCCEEDED', tasks: steps.map((s) => ({display_name: s, state: 'SUCCEEDED'}))},
  ]
})
t.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await cleanup()
})
// No KUBECONFIG, and a HOME without ~/.kube: no cluster access.
const env = () => ({HOME: dir, KFP_CONFIG_DIR: path.join(dir, '.cfg')})
/** Warning lines that are not kfp's own (images not pushed for this fixture; no Kubernetes context for logs). */
const foreignWarnings = (stderr: string) =>
  stderr.split('\n').filter((l) => /warning/i.test(l) && !/^Warning: (step \S+: image .* was never built and pushed|Cannot stream logs: No Kubernetes context)/.test(l))

for (const [how, flags] of [
  ['--ca-file', () => ['--ca-file', cert]],
  ['--insecure', () => ['--insecure']],
] as const) {
  t(`${how}: the watch reaches the end with the steps from ML Metadata, and stderr has no Warning line and nothing about TLS`, async () => {
    const add = await runCli(['target', 'add', 'sec', '--endpoint', server.url, ...flags()], {cwd: dir, env: env()})
    assert.is(add.code, 0, add.stderr)
    // When
    const r = await runCli(['run', '--target', 'sec', '--watch'], {cwd: dir, env: env()})
    // Then
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stdout, /^Run .* succeeded\.$/m)
    assert.match(r.stderr, /✔ deploy succeeded/)
    assert.ok(server.requests.some((q) => q.path.startsWith('/ml_metadata.')), 'ML Metadata was read over https')
    assert.equal(foreignWarnings(r.stderr), [], r.stderr)
    assert.not.match(r.stderr, /TLS|certificate|insecure|\(node:\d+\)/i)
  })
}

t('control: the same check sees the warning Node prints when a user sets NODE_TLS_REJECT_UNAUTHORIZED=0; kfp verifies per request all the same', async () => {
  const add = await runCli(['target', 'add', 'sec', '--endpoint', server.url], {cwd: dir, env: env()})
  assert.is(add.code, 0, add.stderr)
  const r = await runCli(['run', '--target', 'sec', '--watch'], {cwd: dir, env: {...env(), NODE_TLS_REJECT_UNAUTHORIZED: '0'}})
  assert.match(foreignWarnings(r.stderr).join('\n'), /NODE_TLS_REJECT_UNAUTHORIZED/)
  // The target has neither --ca-file nor --insecure: the environment variable does not turn verification off.
  assert.is(r.code, 6, r.stderr)
  assert.match(r.stderr, 'TLS verification failed')
  assert.is(server.runs.size, 0)
})

t('without --ca-file or --insecure the self-signed certificate is refused with a hint, not a stack trace (exit never 1)', async () => {
  const add = await runCli(['target', 'add', 'sec', '--endpoint', server.url], {cwd: dir, env: env()})
  const r = add.code === 0 ? await runCli(['run', '--target', 'sec', '--watch'], {cwd: dir, env: env()}) : add
  assert.ok(r.code !== 0 && r.code !== 1, `exit ${r.code}: ${r.stderr}`)
  assert.match(r.stderr, /certificate|--ca-file/i)
  assert.not.match(r.stderr, /\n\s+at .*\.js:\d+/)
  assert.is(server.runs.size, 0)
})

t.run()
