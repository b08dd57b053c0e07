// Which packages a piece of code loads: runs `steps` (ESM statements in a fresh `node --import tsx` process at the
// repository root) and reports, after each `await mark('name')`, whether any module under node_modules/PKG was
// loaded so far, ESM or CommonJS (a resolve hook, module.register, reports every import through a MessagePort).
import {spawnSync} from 'node:child_process'
import {repoRoot} from './cli.js'

const hooks = `export async function initialize({port}) { globalThis.port = port }
export async function resolve(spec, ctx, next) { const r = await next(spec, ctx); globalThis.port.postMessage(r.url); return r }`

/** The marks `steps` made, each true when `pkg` was loaded by then; `modules` says the hook saw imports at all. */
export function probeModules(pkg: string, steps: string): {marks: Record<string, boolean>; modules: boolean} {
  const probe = `
const {register, createRequire} = await import('node:module')
const {MessageChannel} = await import('node:worker_threads')
const {port1, port2} = new MessageChannel()
const urls = []
port1.on('message', (u) => urls.push(u))
port1.unref()
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), {data: {port: port2}, transferList: [port2]})
const settle = () => new Promise((r) => setTimeout(r, 100))
const loaded = () => urls.some((u) => u.includes(${JSON.stringify(`/node_modules/${pkg}/`)})) || Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes(${JSON.stringify(`/node_modules/${pkg}/`)}))
const marks = {}
const mark = async (name) => { await settle(); marks[name] = loaded() }
${steps}
console.log(JSON.stringify({marks, modules: urls.length > 5}))
`
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {cwd: repoRoot, encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`probe exited ${r.status}: ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!)
}
