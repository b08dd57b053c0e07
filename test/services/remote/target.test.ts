import {readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {Ctx} from '../../../src/ctx.js'
import type {Exec} from '../../../src/clients/exec.js'
import {addTarget, listTargets, removeTarget, useTarget} from '../../../src/services/target/manage.js'
import {resolveCredentials, resolveTarget, type ResolvedKfpTarget} from '../../../src/services/target/resolve.js'
import {connectRemote} from '../../../src/services/remote/connect.js'
import {splitCommandLine} from '../../../src/core/remote/argv.js'
import {startFakeKfp} from '../../helpers/kfp-server.js'
import {tmpdir} from '../../helpers/tmp.js'

const KFP_YAML = `# team file: keep this comment
name: demo
steps: []
targets:
  local: {type: local}   # the embedded engine
defaultTarget: local
`

let dir: string
let cleanup: () => Promise<void>
let ctx: Ctx
const execCalls: Array<[string, string[]]> = []
const fakeExec = (stdout: string, exitCode = 0): Exec => ({
  async run(file, args) {
    execCalls.push([file, args])
    return {stdout, stderr: exitCode ? 'ERROR: not logged in' : '', exitCode}
  },
  async which() {
    return undefined
  },
})

function makeCtx(env: Record<string, string> = {}): Ctx {
  return {
    cwd: dir,
    env: {KFP_CONFIG_DIR: path.join(dir, 'user-config'), ...env},
    exec: fakeExec('tok-from-cmd\n'),
    prompter: undefined as never,
    now: () => new Date(),
    signal: new AbortController().signal,
    clients: {},
  }
}

const t = suite('kfp target add|list|use|remove')
t.before.each(async () => {
  ;({dir, cleanup} = await tmpdir())
  await writeFile(path.join(dir, 'kfp.yaml'), KFP_YAML)
  ctx = makeCtx()
  execCalls.length = 0
})
t.after.each(() => cleanup())

t('add writes kfp.yaml and keeps comments', async () => {
  // When
  const r = await addTarget({name: 'prod', endpoint: 'kf.example.com/pipeline/', namespace: 'alice', tokenCommand: 'gcloud auth print-identity-token', experiment: 'blog'}, ctx)
  // Then
  const text = await readFile(path.join(dir, 'kfp.yaml'), 'utf8')
  assert.is(r.scope, 'project')
  assert.match(text, /# team file: keep this comment/)
  assert.match(text, /# the embedded engine/)
  assert.match(text, /prod:\n\s+type: kfp\n\s+endpoint: https:\/\/kf.example.com\/pipeline\n\s+namespace: alice/)
  assert.match(text, /tokenCommand: gcloud auth print-identity-token/)
})

t('add --user writes the per-user file with mode 0600 and list shows both', async () => {
  // When
  const r = await addTarget({name: 'dev', endpoint: 'http://localhost:8080', tokenFile: 'token.txt', user: true}, ctx)
  await addTarget({name: 'prod', endpoint: 'https://kf.example.com/pipeline'}, ctx)
  const list = await listTargets(ctx)
  // Then
  assert.is(((await stat(r.file)).mode & 0o777).toString(8), '600')
  assert.equal(list.targets.map((x) => [x.name, x.scope.join('+'), x.current]), [['local', 'project', true], ['prod', 'project', false], ['dev', 'user', false]])
  assert.is(list.targets[2].auth, 'token (file token.txt)')
})

t('use makes a target current for this project; resolve picks it; --target and KFP_TARGET win', async () => {
  // Given
  await addTarget({name: 'prod', endpoint: 'https://kf.example.com/pipeline'}, ctx)
  await addTarget({name: 'dev', endpoint: 'http://localhost:8080', user: true}, ctx)
  // When
  await useTarget('prod', ctx)
  // Then
  assert.is((await resolveTarget({}, ctx)).name, 'prod')
  assert.is((await resolveTarget({target: 'dev'}, ctx)).name, 'dev')
  assert.is((await resolveTarget({}, makeCtx({KFP_TARGET: 'local'}))).type, 'local')
  assert.is((await listTargets(ctx)).current, 'prod')
})

t('use of an unknown target fails with the known names', async () => {
  const e = await useTarget('nope', ctx).catch((x) => x)
  assert.is(e.kfpCode, 'TARGET_NOT_FOUND')
  assert.match(e.message, /Known targets: local/)
})

t('remove deletes from kfp.yaml (comments kept) and clears current', async () => {
  await addTarget({name: 'prod', endpoint: 'https://kf.example.com/pipeline'}, ctx)
  await useTarget('prod', ctx)
  const r = await removeTarget('prod', {}, ctx)
  const text = await readFile(path.join(dir, 'kfp.yaml'), 'utf8')
  assert.is(r.removedFrom.length, 2)
  assert.not.match(text, /prod/)
  assert.match(text, /# team file/)
  assert.is((await resolveTarget({}, ctx)).name, 'local')
})

t('user file settings overlay kfp.yaml; KFP_ENDPOINT and KFP_NAMESPACE override', async () => {
  await addTarget({name: 'prod', endpoint: 'https://kf.example.com/pipeline', namespace: 'team'}, ctx)
  await addTarget({name: 'prod', endpoint: 'https://kf.example.com/pipeline', tokenEnv: 'MY_TOKEN', user: true}, ctx)
  const r = (await resolveTarget({target: 'prod'}, makeCtx({KFP_NAMESPACE: 'alice'}))) as ResolvedKfpTarget
  assert.is(r.config.namespace, 'alice')
  assert.is(r.config.auth?.tokenEnv, 'MY_TOKEN')
  const e = (await resolveTarget({}, makeCtx({KFP_ENDPOINT: 'http://localhost:8888'}))) as ResolvedKfpTarget
  assert.is(e.name, 'env')
  assert.is(e.config.endpoint, 'http://localhost:8888')
})

t('with KFP_ENDPOINT, --target env (what hints print for the ad-hoc target) names it; without it, env is unknown', async () => {
  // When
  const named = (await resolveTarget({target: 'env'}, makeCtx({KFP_ENDPOINT: 'http://localhost:8888'}))) as ResolvedKfpTarget
  const missing = await resolveTarget({target: 'env'}, ctx).catch((x) => x)
  // Then
  assert.is(named.name, 'env')
  assert.is(named.type, 'kfp')
  assert.is(named.config.endpoint, 'http://localhost:8888')
  assert.is(missing.kfpCode, 'TARGET_NOT_FOUND')
})

t('an unknown --target says which targets exist', async () => {
  const e = await resolveTarget({target: 'prdo'}, ctx).catch((x) => x)
  assert.is(e.kfpCode, 'TARGET_NOT_FOUND')
  assert.is(e.exitCode, 3)
})

const creds = suite('target credentials')
creds.before.each(async () => {
  ;({dir, cleanup} = await tmpdir())
  await writeFile(path.join(dir, 'kfp.yaml'), KFP_YAML)
  execCalls.length = 0
})
creds.after.each(() => cleanup())

const target = (auth: ResolvedKfpTarget['config']['auth']): ResolvedKfpTarget => ({
  name: 'prod',
  type: 'kfp',
  source: 'flag',
  baseDir: dir,
  config: {type: 'kfp', endpoint: 'http://x', auth},
})

creds('token command runs as argv without a shell', async () => {
  const c = await resolveCredentials(target({tokenCommand: `gcloud auth print-identity-token --audiences='a b'`}), makeCtx())
  assert.equal(execCalls, [['gcloud', ['auth', 'print-identity-token', '--audiences=a b']]])
  assert.equal(c.headers, {authorization: 'Bearer tok-from-cmd'})
  assert.match(c.source, /gcloud auth print-identity-token/)
})

creds('a failing token command reports the command, not a token', async () => {
  const ctx2 = {...makeCtx(), exec: fakeExec('partial-secret', 1)}
  const e = await resolveCredentials(target({tokenCommand: 'gcloud auth print-identity-token'}), ctx2).catch((x) => x)
  assert.is(e.kfpCode, 'EXTERNAL_COMMAND_FAILED')
  assert.match(e.message, /not logged in/)
  assert.not.match(e.message, /partial-secret/)
})

creds('token file, token env, cookie file, and KFP_TOKEN wins', async () => {
  await writeFile(path.join(dir, 'tok'), 'filetok\n')
  await writeFile(path.join(dir, 'cookie'), 'oauth2_proxy_kubeflow=abc\n')
  assert.equal((await resolveCredentials(target({tokenFile: 'tok'}), makeCtx())).headers, {authorization: 'Bearer filetok'})
  assert.equal((await resolveCredentials(target({tokenEnv: 'T'}), makeCtx({T: 'envtok'}))).headers, {authorization: 'Bearer envtok'})
  assert.equal((await resolveCredentials(target({type: 'cookie', cookieFile: 'cookie'}), makeCtx())).headers, {cookie: 'oauth2_proxy_kubeflow=abc'})
  assert.equal((await resolveCredentials(target({tokenFile: 'tok'}), makeCtx({KFP_TOKEN: 'k'}))).headers, {authorization: 'Bearer k'})
  const e = await resolveCredentials(target({tokenEnv: 'UNSET_VAR'}), makeCtx()).catch((x) => x)
  assert.is(e.kfpCode, 'SERVER_AUTH')
  assert.match(e.message, /\$UNSET_VAR/)
})

const connect = suite('first contact with a server')
connect.before.each(async () => {
  ;({dir, cleanup} = await tmpdir())
  await writeFile(path.join(dir, 'kfp.yaml'), KFP_YAML)
})
connect.after.each(() => cleanup())

connect('a v2 server connects; the health check is the first call', async () => {
  const server = await startFakeKfp({token: 's3'})
  try {
    const s = await connectRemote({}, makeCtx({KFP_ENDPOINT: server.url, KFP_TOKEN: 's3'}))
    assert.is(s.health.pipeline_store, 'database')
    assert.is(server.requests[0].path, '/apis/v2beta1/healthz')
    assert.equal(server.violations, [])
  } finally {
    await server.close()
  }
})

connect('a KFP 1.x server is reported as unsupported', async () => {
  const server = await startFakeKfp({v1Only: true})
  try {
    const e = await connectRemote({}, makeCtx({KFP_ENDPOINT: server.url})).catch((x) => x)
    assert.is(e.kfpCode, 'SERVER_UNSUPPORTED')
    assert.match(e.message, /1\.x/)
    assert.equal(server.violations, [])
  } finally {
    await server.close()
  }
})

connect('the local target is refused by remote-only commands', async () => {
  const e = await connectRemote({}, makeCtx()).catch((x) => x)
  assert.is(e.kfpCode, 'TARGET_INVALID')
})

const argv = suite('splitCommandLine')
argv('splits words, honours quotes and escapes, no shell features', () => {
  assert.equal(splitCommandLine('gcloud auth print-identity-token'), ['gcloud', 'auth', 'print-identity-token'])
  assert.equal(splitCommandLine(`a "b c" 'd "e"' f\\ g ""`), ['a', 'b c', 'd "e"', 'f g', ''])
  assert.equal(splitCommandLine('echo $HOME; rm -rf /'), ['echo', '$HOME;', 'rm', '-rf', '/'])
  assert.throws(() => splitCommandLine('a "b'))
})

t.run()
creds.run()
connect.run()
argv.run()
