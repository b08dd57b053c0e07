#!/usr/bin/env node
// Runs every test/**/*.test.ts file in its own node process (uvu + tsx), sums uvu's totals and prints
// the closing line `N passed, N failed, N skipped`. Exits non-zero on any failure, a crashed file, or no test at all.
// Usage: node test/run.mjs [filter...]   (filters are substrings of file paths)
import {spawn} from 'node:child_process'
import {readdirSync, statSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.dirname(fileURLToPath(import.meta.url))
const typecheck = process.argv.includes('--typecheck')
const filters = process.argv.slice(2).filter((a) => a !== '--typecheck')
const jobs = Number(process.env.TEST_JOBS || 2)

function walk(dir) {
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) {
      if (name === 'fixtures' || name === 'node_modules') continue
      out.push(...walk(p))
    } else if (name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

const files = walk(root).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
let passed = 0
let failed = 0
let skipped = 0
const broken = []

function runFile(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--no-warnings', file], {
      env: {...process.env, NODE_ENV: 'test', NO_COLOR: '1', FORCE_COLOR: '0', COLUMNS: '120'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const limit = setTimeout(() => child.kill('SIGKILL'), Number(process.env.TEST_FILE_TIMEOUT_MS || 600_000))
    child.on('close', (code) => {
      clearTimeout(limit)
      resolve({file, code, out})
    })
  })
}

// `tsc --noEmit` counts as one test: uvu passes on type errors, so the type check must be able to fail the run.
if (typecheck) {
  const tsc = path.join(path.dirname(root), 'node_modules', 'typescript', 'bin', 'tsc')
  const r = await new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '--noEmit', '-p', path.join(path.dirname(root), 'tsconfig.json')], {stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('close', (code) => resolve({code, out}))
  })
  if (r.code === 0) {
    passed += 1
    process.stdout.write('✔ tsc --noEmit\n')
  } else {
    failed += 1
    broken.push('tsc --noEmit')
    process.stdout.write(`\n✖ tsc --noEmit\n${r.out}\n`)
  }
}

const queue = [...files]
async function worker() {
  while (queue.length) {
    const file = queue.shift()
    const r = await runFile(file)
    const rel = path.relative(path.dirname(root), file)
    const total = Number(/Total:\s+(\d+)/.exec(r.out)?.[1] ?? 0)
    const ok = Number(/Passed:\s+(\d+)/.exec(r.out)?.[1] ?? 0)
    const sk = Number(/Skipped:\s+(\d+)/.exec(r.out)?.[1] ?? 0)
    const loudSkips = [...r.out.matchAll(/^SKIPPED: .*$/gm)].map((m) => m[0])
    const extraSkips = Number(/KFP_TEST_SKIPPED=(\d+)/.exec(r.out)?.[1] ?? 0)
    passed += ok
    skipped += sk + extraSkips
    const f = total - ok - sk
    failed += Math.max(f, 0)
    if (r.code !== 0 || f > 0) {
      if (f === 0) {
        failed += 1
        broken.push(rel)
      }
      process.stdout.write(`\n✖ ${rel} (exit ${r.code})\n${r.out}\n`)
    } else {
      process.stdout.write(`✔ ${rel}: ${ok} passed${sk + extraSkips ? `, ${sk + extraSkips} skipped` : ''}\n`)
      for (const s of loudSkips) process.stdout.write(`  ${s}\n`)
    }
  }
}
await Promise.all(Array.from({length: Math.min(jobs, files.length || 1)}, worker))
if (broken.length) process.stdout.write(`\nFiles that crashed or exited non-zero: ${broken.join(', ')}\n`)
if (passed + failed === 0) {
  process.stdout.write('No test ran.\n')
  failed = failed || 1
}
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`)
process.exit(failed > 0 ? 1 : 0)
