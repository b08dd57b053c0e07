// Issue 11 points 5 and 6: passwords in endpoint URLs show as `admin:***@` everywhere (target add/list, errors,
// hints, --json), and credentials kfp sent never come back in what it prints, even when a server or proxy echoes
// them in its error body (message and --json serverMessage). The built CLI; needs `npm run build`.
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {tmpdir} from '../helpers/tmp.js'

const R = suite('secrets never printed')
let tmp: {dir: string; cleanup: () => Promise<void>}
let server: Server
let port: number
R.before(async () => {
  tmp = await tmpdir('kfp-redact-')
  // A misbehaving proxy: every request gets a 500 whose body echoes the request headers.
  server = createServer((req, res) => {
    res.writeHead(500, {'content-type': 'application/json'})
    res.end(JSON.stringify({error: `upstream failed for ${JSON.stringify(req.headers)}`, code: 13, message: `denied: authorization=${req.headers.authorization}; cookie=${req.headers.cookie ?? ''}`}))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})
R.after(async () => {
  await new Promise((r) => server.close(r))
  await tmp.cleanup()
})

const env = () => ({KFP_CONFIG_DIR: `${tmp.dir}/cfg`})

R('target add / list / --json show the endpoint password as ***', async () => {
  const add = await runCli(['target', 'add', 'pw', '--endpoint', `http://admin:hunter2secret@127.0.0.1:${port}`, '--user'], {cwd: tmp.dir, env: env()})
  assert.is(add.code, 0, add.stderr)
  assert.match(add.stdout, `http://admin:***@127.0.0.1:${port}`)
  const list = await runCli(['target', 'list'], {cwd: tmp.dir, env: env()})
  const json = await runCli(['target', 'list', '--json'], {cwd: tmp.dir, env: env()})
  for (const r of [add, list, json]) assert.not.match(r.stdout + r.stderr, 'hunter2secret')
  assert.match(list.stdout, 'admin:***@')
  assert.match(json.stdout, 'admin:***@')
})

R('a server error body that echoes the token, cookie and URL password is shown without them', async () => {
  const token = 'tok-9f8e7d6c5b4a-secret'
  for (const args of [['pipelines', 'list', '--target', 'pw'], ['pipelines', 'list', '--target', 'pw', '--json']]) {
    const r = await runCli(args, {cwd: tmp.dir, env: {...env(), KFP_TOKEN: token}})
    assert.is(r.code, 6, r.stderr + r.stdout)
    const shown = r.stdout + r.stderr
    assert.match(shown, /denied|upstream failed|500/)
    assert.not.match(shown, token)
    assert.not.match(shown, 'hunter2secret')
    if (args.includes('--json')) {
      const e = JSON.parse(r.stdout).error
      assert.ok(e.data?.serverMessage === undefined || !String(e.data.serverMessage).includes(token))
    }
  }
})

R('KFP_ENDPOINT with a password, unreachable: the error and its hints mask it', async () => {
  const r = await runCli(['pipelines', 'list', '--target', 'pw'], {cwd: tmp.dir, env: {...env(), KFP_ENDPOINT: 'http://admin:envpass-77@127.0.0.1:1'}})
  assert.is(r.code, 6, r.stderr)
  assert.not.match(r.stdout + r.stderr, 'envpass-77')
  assert.match(r.stderr, 'admin:***@127.0.0.1:1')
})

R.run()
