/**
 * End-to-end auth against the fake KFP server (test/helpers/kfp-server.ts) and the fake Kubeflow front door
 * (test/helpers/fake-dex.ts): a token that expires during --watch, the Dex login flow, a multi-user server without a
 * namespace, an older server's pipeline delete. Secrets must appear in no output.
 */
import {cp, readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {repoRoot, runCli} from '../helpers/cli.js'
import {startFakeDex, type FakeDex} from '../helpers/fake-dex.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {tmpdir} from '../helpers/tmp.js'

const fixture = path.join(repoRoot, 'test', 'fixtures', 'projects', 'babyweight')
let server: FakeKfpServer
let dex: FakeDex | undefined
let dir: string
let cleanup: () => Promise<void>
const env = (extra: Record<string, string> = {}) => ({HOME: dir, KFP_CONFIG_DIR: path.join(dir, '.cfg'), KFP_HTTP_TIMEOUT_MS: '5000', ...extra})
async function project() {
  const tmp = await tmpdir('kfp-remote-auth-')
  dir = path.join(tmp.dir, 'bw')
  cleanup = tmp.cleanup
  await cp(fixture, dir, {recursive: true})
}
async function done() {
  assert.equal(server.violations, [])
  await server.close()
  await dex?.close()
  dex = undefined
  await cleanup()
}

const tok = suite('a token that expires during kfp run --watch')
tok.after.each(done)

tok('the 401 makes kfp run the token command again once, and the watch goes on to success', async () => {
  // Given a server that accepts t-1 until the run is half-way, then only t-2; the token command prints the current file
  server = await startFakeKfp({token: 'secret-t-1'})
  await project()
  const tokenFile = path.join(dir, 'token.txt')
  await writeFile(tokenFile, 'secret-t-1\n')
  const add = await runCli(['target', 'add', 'dev', '--endpoint', server.url, '--token-command', `cat ${tokenFile}`], {cwd: dir, env: env()})
  assert.is(add.code, 0, add.stderr)
  server.defaultRunScript = [
    {state: 'RUNNING', tasks: [{display_name: 'preprocess', state: 'RUNNING'}]},
    {
      state: 'RUNNING',
      tasks: [{display_name: 'preprocess', state: 'SUCCEEDED'}],
      then: () => {
        server.setToken('secret-t-2')
        void writeFile(tokenFile, 'secret-t-2\n')
      },
    },
    {state: 'SUCCEEDED', tasks: [{display_name: 'preprocess', state: 'SUCCEEDED'}]},
  ]
  // When
  const r = await runCli(['run', '--target', 'dev'], {cwd: dir, env: env()})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /succeeded\.$/m)
  // A request was refused (401) once, then sent again with the token the command printed the second time; from then
  // on every request carries the new token.
  assert.is(server.authRefusals.length, 1)
  const auths = server.requests.map((q) => q.headers.authorization)
  const first = auths.indexOf('Bearer secret-t-2')
  assert.ok(first > 0)
  assert.ok(auths.slice(0, first).every((a) => a === 'Bearer secret-t-1'))
  assert.ok(auths.slice(first).every((a) => a === 'Bearer secret-t-2'))
  assert.not.match(r.stdout + r.stderr, /secret-t-/)
})

tok('a refreshed token that is still refused fails with exit 4 after one retry, naming the command, not the token', async () => {
  server = await startFakeKfp({token: 'secret-t-1'})
  await project()
  const tokenFile = path.join(dir, 'token.txt')
  await writeFile(tokenFile, 'secret-t-1\n')
  await runCli(['target', 'add', 'dev', '--endpoint', server.url, '--token-command', `cat ${tokenFile}`], {cwd: dir, env: env()})
  server.defaultRunScript = [{state: 'RUNNING', then: () => server.setToken('secret-other')}, {state: 'SUCCEEDED'}]
  const r = await runCli(['run', '--target', 'dev'], {cwd: dir, env: env()})
  assert.is(r.code, 4, r.stderr)
  assert.match(r.stderr, /refused GET \/apis\/v2beta1\/runs\/run-[\w-]+ \(401 Unauthorized\) with the token printed by `cat /)
  assert.not.match(r.stdout + r.stderr, /secret-/)
  // One refresh for the refused request: the GET was refused twice (old token, then the same token printed again).
  // Each refused request was sent once more after running the command again (refused twice), never more.
  const perPath = new Map<string, number>()
  for (const x of server.authRefusals) perPath.set(x.path, (perPath.get(x.path) ?? 0) + 1)
  assert.ok(perPath.size > 0)
  for (const [p, n] of perPath) assert.ok(n % 2 === 0, `${p} refused ${n} times`)
})
tok.run()

const login = suite('kfp login: the Dex username/password flow in front of a multi-user server')
login.after.each(done)
const PASSWORD = 'pw-Very-Secret-123'

async function kubeflow(sessionSeconds?: number) {
  server = await startFakeKfp({multiUser: true, access: {'user@example.com': ['user']}})
  dex = await startFakeDex({upstream: server.url, users: {'user@example.com': PASSWORD}, sessionSeconds})
  await project()
  const add = await runCli(['target', 'add', 'kf', '--endpoint', dex.url, '--namespace', 'user'], {cwd: dir, env: env()})
  assert.is(add.code, 0, add.stderr)
}

login('logs in with the password from stdin, stores the cookie 0600, and the target uses it', async () => {
  await kubeflow()
  // Before: the login page
  const before = await runCli(['experiments', 'list', '--target', 'kf'], {cwd: dir, env: env()})
  assert.is(before.code, 4, before.stderr)
  assert.match(before.stderr, /login page or redirect/)
  // When
  const r = await runCli(['login', 'kf', '--username', 'user@example.com', '--password-stdin'], {cwd: dir, env: env(), input: `${PASSWORD}\n`})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^Logged in to kf as user@example\.com \(session until \d{4}-/m)
  const file = path.join(dir, '.cfg', 'sessions', 'kf.json')
  assert.is((await stat(file)).mode & 0o777, 0o600)
  const session = JSON.parse(await readFile(file, 'utf8'))
  assert.match(session.cookie, /^authservice_session=[0-9a-f]+$/)
  assert.equal(dex!.logins, [{username: 'user@example.com', ok: true}])
  const list = await runCli(['experiments', 'list', '--target', 'kf', '--json'], {cwd: dir, env: env()})
  assert.is(list.code, 0, list.stderr)
  // The proxy passed the identity; the server saw the profile namespace.
  assert.ok(server.requests.some((q) => q.headers['kubeflow-userid'] === 'user@example.com' && q.query.namespace === 'user'))
  const all = r.stdout + r.stderr + list.stdout + list.stderr
  assert.not.ok(all.includes(PASSWORD))
  assert.not.ok(all.includes(session.cookie.split('=')[1]))
})

login('a wrong password exits 4 without echoing it; a password as a flag value does not exist', async () => {
  await kubeflow()
  const r = await runCli(['login', 'kf', '--username', 'user@example.com', '--password-stdin'], {cwd: dir, env: env(), input: 'wrong-Secret-9\n'})
  assert.is(r.code, 4, r.stderr)
  assert.match(r.stderr, /Dex refused the login of user@example\.com .*wrong username or password/)
  assert.not.ok((r.stdout + r.stderr).includes('wrong-Secret-9'))
  const flag = await runCli(['login', 'kf', '--username', 'user@example.com', '--password', PASSWORD], {cwd: dir, env: env()})
  assert.is(flag.code, 2)
  assert.not.ok((flag.stdout + flag.stderr).includes(PASSWORD))
  const none = await runCli(['login', 'kf', '--username', 'user@example.com'], {cwd: dir, env: env()})
  assert.is(none.code, 2)
  assert.match(none.stderr, /No password: pipe it with --password-stdin or set \$KFP_PASSWORD/)
})

login('an expired session: logs in again by itself with $KFP_PASSWORD, else says to run kfp login', async () => {
  await kubeflow()
  const r = await runCli(['login', 'kf', '--username', 'user@example.com'], {cwd: dir, env: env({KFP_PASSWORD: PASSWORD})})
  assert.is(r.code, 0, r.stderr)
  dex!.expireSessions()
  // Without the password: the login page is read as an expired session.
  const stale = await runCli(['experiments', 'list', '--target', 'kf'], {cwd: dir, env: env()})
  assert.is(stale.code, 4, stale.stderr)
  assert.match(stale.stderr, /The Dex login session of target 'kf' has expired/)
  assert.match(stale.stderr, /kfp login kf --password-stdin/)
  // With it: a new login, then the request goes through.
  const again = await runCli(['experiments', 'list', '--target', 'kf'], {cwd: dir, env: env({KFP_PASSWORD: PASSWORD})})
  assert.is(again.code, 0, again.stderr)
  assert.is(dex!.logins.filter((l) => l.ok).length, 2)
  assert.not.ok((stale.stderr + again.stdout + again.stderr).includes(PASSWORD))
})
login.run()

const mu = suite('multi-user server without a namespace; kubeflow-userid header')
mu.after.each(done)

mu('kfp run on a multi-user target without a namespace stops before creating anything and says what to set', async () => {
  server = await startFakeKfp({multiUser: true, access: {'alice@example.com': ['alice']}})
  await project()
  await runCli(['target', 'add', 'mu', '--endpoint', server.url, '--kubeflow-userid', 'alice@example.com'], {cwd: dir, env: env()})
  const r = await runCli(['run', '--target', 'mu'], {cwd: dir, env: env()})
  assert.is(r.code, 3, r.stderr)
  assert.match(r.stderr, /multi-user \(healthz multi_user: true\): experiments and runs need a profile namespace, and target 'mu' has none/)
  assert.match(r.stderr, /kfp target add mu --endpoint .* --namespace PROFILE/)
  assert.is(server.runs.size, 0)
  assert.is(server.experiments.size, 1) // the server's Default only
  // With the namespace (KFP_NAMESPACE) the same command creates the run in alice's profile, as alice.
  server.defaultRunScript = [{state: 'SUCCEEDED'}]
  const ok = await runCli(['run', '--target', 'mu'], {cwd: dir, env: env({KFP_NAMESPACE: 'alice'})})
  assert.is(ok.code, 0, ok.stderr)
  assert.ok(server.requests.every((q) => q.headers['kubeflow-userid'] === 'alice@example.com'))
  assert.is([...server.experiments.values()].find((e) => e.display_name !== 'Default')?.namespace, 'alice')
})

mu('--namespace names the profile on the command line, and wins over KFP_NAMESPACE', async () => {
  server = await startFakeKfp({multiUser: true, access: {'alice@example.com': ['alice', 'team']}})
  await project()
  await runCli(['target', 'add', 'mu', '--endpoint', server.url, '--kubeflow-userid', 'alice@example.com'], {cwd: dir, env: env()})
  server.defaultRunScript = [{state: 'SUCCEEDED'}]
  const ok = await runCli(['run', '--target', 'mu', '--namespace', 'team'], {cwd: dir, env: env({KFP_NAMESPACE: 'alice'})})
  assert.is(ok.code, 0, ok.stderr)
  assert.is([...server.experiments.values()].find((e) => e.display_name !== 'Default')?.namespace, 'team')
  const list = await runCli(['runs', 'list', '--target', 'mu', '--namespace', 'team', '--json'], {cwd: dir, env: env()})
  assert.is(list.code, 0, list.stderr)
  assert.is(list.json.result.runs?.length ?? list.json.result.length, 1)
})
mu.run()

const old = suite('older server: kfp pipelines delete')
old.after.each(done)

old('deletes the versions, then the pipeline, on a server without cascade', async () => {
  server = await startFakeKfp({older: true, tagName: '2.5.0'})
  await project()
  const up = await runCli(['upload'], {cwd: dir, env: env({KFP_ENDPOINT: server.url})})
  assert.is(up.code, 0, up.stderr)
  const r = await runCli(['pipelines', 'delete', 'babyweight', '--yes'], {cwd: dir, env: env({KFP_ENDPOINT: server.url})})
  assert.is(r.code, 0, r.stderr)
  assert.is(server.pipelines.size, 0)
  assert.is(server.versions.size, 0)
})
old.run()
