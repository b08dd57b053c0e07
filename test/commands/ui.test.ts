import {execFileSync, spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {binPath, runCli} from '../helpers/cli.js'
import {createShims, type Shims} from '../helpers/shims.js'
import {tmpdir} from '../helpers/tmp.js'

async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise((r) => srv.close(r))
  return port
}

/** Spawns the CLI, resolves `waitFor` when stderr matches, then lets the test act (e.g. Ctrl-C). */
function spawnCli(args: string[], env: Record<string, string>, cwd: string) {
  const child = spawn(process.execPath, [binPath, ...args], {cwd, env: {NO_COLOR: '1', ...env}, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  const waiters: Array<[RegExp, () => void]> = []
  child.stderr.on('data', (d) => {
    stderr += d
    for (const [re, done] of waiters) if (re.test(stderr)) done()
  })
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  closed.finally(() => clearTimeout(timer))
  return {
    child,
    closed,
    out: () => ({stdout, stderr}),
    waitFor: (re: RegExp) => new Promise<void>((resolve, reject) => {
      if (re.test(stderr)) return resolve()
      waiters.push([re, resolve])
      closed.then(() => reject(new Error(`exited before ${re}; stderr: ${stderr}`)))
    }),
  }
}

let shims: Shims | undefined
let work: {dir: string; cleanup: () => Promise<void>}
const ui = suite('kfp ui')
ui.before.each(async () => {
  work = await tmpdir()
})
ui.after.each(async () => {
  await shims?.cleanup()
  shims = undefined
  await work.cleanup()
})

ui('port already in use: PORT_IN_USE with a --port hint, kubectl never started', async () => {
  // Given something listening on the port
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
  const port = (srv.address() as net.AddressInfo).port
  shims = await createShims({kubectl: [{match: ['port-forward'], hang: true}]})
  try {
    // When
    const r = await runCli(['ui', '--port', String(port), '--no-open', '--json'], {cwd: work.dir, env: {PATH: shims.path('/usr/bin:/bin'), HOME: work.dir}})
    // Then
    assert.is(r.code, 3, r.stderr)
    assert.is(r.json.error.code, 'PORT_IN_USE')
    assert.match(r.json.error.message, new RegExp(`Port ${port} .* already in use`))
    assert.match(r.json.error.hints.join('\n'), /--port/)
    assert.equal(await shims.calls(), [])
  } finally {
    srv.close()
  }
})

ui('forwards until Ctrl-C, registers the target endpoint while running and restores the config after', async () => {
  // Given a kubectl that forwards and keeps running
  const port = await freePort()
  shims = await createShims({kubectl: [{match: ['port-forward'], hang: true, stdout: `Forwarding from 127.0.0.1:${port} -> 3000\nForwarding from [::1]:${port} -> 3000\n`}]})
  const cfgDir = path.join(work.dir, 'cfg')
  // When
  const p = spawnCli(['ui', '--port', String(port), '--no-open', '--register-target', 'dev'], {PATH: shims.path('/usr/bin:/bin'), HOME: work.dir, KFP_CONFIG_DIR: cfgDir}, work.dir)
  await p.waitFor(/Target dev points at/)
  // Then while it runs, the user config has the target with the forwarded endpoint
  const cfg = readFileSync(path.join(cfgDir, 'config.yaml'), 'utf8')
  assert.match(cfg, new RegExp(`dev:\\s+type: kfp\\s+endpoint: http://localhost:${port}`))
  assert.match(p.out().stderr, new RegExp(`KFP UI on http://localhost:${port} \\(Ctrl-C to stop\\)`))
  // And Ctrl-C stops it cleanly
  p.child.kill('SIGINT')
  const code = await p.closed
  assert.is(code, 0, p.out().stderr)
  assert.match(p.out().stdout, /Stopped the port-forward/)
  assert.equal(await shims.argvOf('kubectl'), [['port-forward', '-n', 'kubeflow', 'svc/ml-pipeline-ui', `${port}:80`]])
  const after = existsSync(path.join(cfgDir, 'config.yaml')) ? readFileSync(path.join(cfgDir, 'config.yaml'), 'utf8') : ''
  assert.not.match(after, /dev:/)
})

ui('a missing UI service is a clear error pointing at kfp deploy', async () => {
  const port = await freePort()
  shims = await createShims({kubectl: [{match: ['port-forward'], exit: 1, stderr: 'Error from server (NotFound): services "ml-pipeline-ui" not found\n'}]})
  const r = await runCli(['ui', '--port', String(port), '--no-open', '--json'], {cwd: work.dir, env: {PATH: shims.path('/usr/bin:/bin'), HOME: work.dir}})
  assert.is(r.code, 3, r.stderr)
  assert.is(r.json.error.code, 'KUBE_ERROR')
  assert.match(r.json.error.message, /services "ml-pipeline-ui" not found/)
  assert.match(r.json.error.hints.join('\n'), /kfp deploy/)
})

ui('opens the browser through the system opener (xdg-open on PATH) unless --no-open', async () => {
  const port = await freePort()
  shims = await createShims({
    kubectl: [{match: ['port-forward'], hang: true, stdout: `Forwarding from 127.0.0.1:${port} -> 3000\n`}],
    'xdg-open': [{match: []}],
  })
  const p = spawnCli(['ui', '--port', String(port)], {PATH: shims.path('/usr/bin:/bin'), HOME: work.dir, DISPLAY: ':0'}, work.dir)
  await p.waitFor(/KFP UI on/)
  for (let i = 0; i < 50 && (await shims.argvOf('xdg-open')).length === 0; i++) await new Promise((r) => setTimeout(r, 100))
  p.child.kill('SIGINT')
  assert.is(await p.closed, 0, p.out().stderr)
  assert.equal(await shims.argvOf('xdg-open'), [[`http://localhost:${port}`]])
})

ui('--dry-run prints the port-forward script', async () => {
  shims = await createShims({kubectl: []})
  const r = await runCli(['ui', '--dry-run', '--port', '9000', '--namespace', 'my ns'], {cwd: work.dir, env: {PATH: shims.path('/usr/bin:/bin'), HOME: work.dir}})
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^kubectl port-forward -n 'my ns' svc\/ml-pipeline-ui 9000:80$/m)
  execFileSync('sh', ['-n'], {input: r.stdout})
  assert.equal(await shims.calls(), [])
})

ui.run()
