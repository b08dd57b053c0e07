import {chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {binPath, runCli} from '../helpers/cli.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {tmpdir} from '../helpers/tmp.js'

// kfp doctor on the current target (endpoint, login), the images a compile would pin, and a second kfp on PATH;
// kfp compile warns about the same images.
const d = suite('kfp doctor: target, images, a second kfp')
let server: FakeKfpServer
let dir: string
let cleanup: () => Promise<void>
d.before(async () => {
  server = await startFakeKfp({token: 'good-token'})
  ;({dir, cleanup} = await tmpdir())
  assert.is((await runCli(['init', 'demo', '--yes', '--template', 'bash'], {cwd: dir})).code, 0)
  dir = path.join(dir, 'demo')
})
d.after(async () => {
  await server.close()
  await cleanup()
})

const check = (r: {json?: any}, id: string) => r.json.result?.checks?.find((c: {id: string}) => c.id === id) ?? r.json.error.data.checks.find((c: {id: string}) => c.id === id)
const env = (extra: Record<string, string> = {}) => ({KFP_CONFIG_DIR: path.join(dir, '.cfg'), KFP_RUNNER: 'process', ...extra})

d('the current target answers and the login works', async () => {
  const r = await runCli(['doctor', '--json'], {cwd: dir, env: env({KFP_ENDPOINT: server.url, KFP_TOKEN: 'good-token'})})
  assert.is(check(r, 'target').status, 'ok', JSON.stringify(check(r, 'target')))
  assert.match(check(r, 'target').detail, `${server.url}`)
  assert.is(check(r, 'target-auth').status, 'ok')
})

d('a refused login or an endpoint that does not answer fails the target check (required: exit 5)', async () => {
  const refused = await runCli(['doctor', '--json'], {cwd: dir, env: env({KFP_ENDPOINT: server.url, KFP_TOKEN: 'wrong'})})
  assert.is(refused.code, 5)
  assert.is(check(refused, 'target').status, 'fail')
  assert.match(check(refused, 'target').detail, /401|authenticat/i)
  assert.not.match(JSON.stringify(refused.json), 'wrong"')
  const down = await runCli(['doctor', '--json'], {cwd: dir, env: env({KFP_ENDPOINT: 'http://127.0.0.1:9', KFP_HTTP_TIMEOUT_MS: '2000'})})
  assert.is(down.code, 5)
  assert.is(check(down, 'target').status, 'fail')
  assert.match(check(down, 'target').detail, 'http://127.0.0.1:9')
})

d('images a compile would pin that were never pushed: doctor warns (optional), and so does kfp compile', async () => {
  const r = await runCli(['doctor', '--json'], {cwd: dir, env: env()})
  const images = check(r, 'images')
  assert.is(images.status, 'fail')
  assert.is(images.required, false)
  assert.match(images.detail, /step hello: image localhost:5000\/demo-hello:[0-9a-f]{16} was never built and pushed/)
  const c = await runCli(['compile'], {cwd: dir, env: env()})
  assert.is(c.code, 0, c.stderr)
  assert.match(c.stderr, /Warning: step hello: image localhost:5000\/demo-hello:[0-9a-f]{16} was never built and pushed for the current sources; a cluster cannot pull it\. Build and push it: kfp build hello --push/)
})

d('a second kfp on PATH (the KFP Python SDK installs one): both named, and how to tell them apart', async () => {
  const ours = path.join(dir, 'bin-ours')
  const sdk = path.join(dir, 'bin-sdk')
  mkdirSync(ours)
  mkdirSync(sdk)
  symlinkSync(binPath, path.join(ours, 'kfp'))
  // The console script pip writes for the SDK's `kfp` entry point.
  writeFileSync(path.join(sdk, 'kfp'), '#!/usr/bin/python3\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom kfp.cli.__main__ import main\nif __name__ == "__main__":\n    sys.exit(main())\n')
  chmodSync(path.join(sdk, 'kfp'), 0o755)
  // The rest of PATH without any other kfp (the README's `npm link` puts one in /usr/bin or /usr/local/bin).
  const rest = (process.env.PATH ?? '').split(':').filter((d) => d && !existsSync(path.join(d, 'kfp'))).join(':')
  const r = await runCli(['doctor', '--json'], {cwd: dir, env: {...env(), PATH: `${sdk}:${ours}:${rest}`}})
  const k = check(r, 'kfp-path')
  assert.is(k.status, 'fail')
  assert.is(k.detail, `2 on PATH: ${path.join(sdk, 'kfp')} (the KFP Python SDK CLI), ${path.join(ours, 'kfp')} (this kfp); \`kfp\` runs the other one`)
  assert.match(k.fix, 'kfp version')
  const alone = await runCli(['doctor', '--json'], {cwd: dir, env: {...env(), PATH: `${ours}:${rest}`}})
  assert.is(check(alone, 'kfp-path').status, 'ok')
})

d.run()
