// core/remote/spec.ts is imported by `kfp runs`, `kfp logs` and the remote services for small helpers (isTerminalState,
// runUrl, serverRunParameters); js-yaml (for reading compiled IR) loads only when a compiled file is parsed.
import {spawnSync} from 'node:child_process'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {repoRoot} from '../../helpers/cli.js'

// Every module loaded, ESM or CommonJS, is reported by a resolve hook (module.register) through a MessagePort.
const hooks = `export async function initialize({port}) { globalThis.port = port }
export async function resolve(spec, ctx, next) { const r = await next(spec, ctx); globalThis.port.postMessage(r.url); return r }`
const probe = `
const {register, createRequire} = await import('node:module')
const {MessageChannel} = await import('node:worker_threads')
const {port1, port2} = new MessageChannel()
const urls = []
port1.on('message', (u) => urls.push(u))
port1.unref()
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), {data: {port: port2}, transferList: [port2]})
const settle = () => new Promise((r) => setTimeout(r, 100))
const loaded = () => urls.some((u) => u.includes('/node_modules/js-yaml/')) || Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/js-yaml/'))
const spec = await import('./src/core/remote/spec.ts')
await settle()
const before = loaded()
spec.parseCompiledPipeline('pipelineInfo: {name: p}\\nroot: {}\\nschemaVersion: 2.1.0\\n', 'p.yaml')
await settle()
console.log(JSON.stringify({before, after: loaded(), modules: urls.length > 5}))
`

test('importing core/remote/spec.ts does not load js-yaml; parsing a compiled pipeline does', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {cwd: repoRoot, encoding: 'utf8'})
  assert.is(r.status, 0, r.stderr)
  assert.equal(JSON.parse(r.stdout.trim().split('\n').at(-1)!), {before: false, after: true, modules: true})
})

test.run()
