// npm run build: tsc (src → .build/tsc-<pid>), esbuild bundle swapped into dist/ atomically, then the oclif manifest.
// Each build uses its own folders so that builds running at the same time do not delete each other's output.
import {execFileSync} from 'node:child_process'
import {existsSync, rmSync} from 'node:fs'
import path from 'node:path'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const tscOut = path.join(root, '.build', `tsc-${process.pid}`)
const run = (file, args) => execFileSync(file, args, {cwd: root, stdio: 'inherit'})
try {
  try {
    run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', tscOut])
  } catch {
    // tsc still emits JavaScript on type errors; build it anyway. `npm test` counts `tsc --noEmit` as a test,
    // so type errors still fail the test run.
    if (!existsSync(path.join(tscOut, 'main.js'))) throw new Error('tsc emitted nothing')
    console.error('build: type errors above; bundling the emitted JavaScript anyway (npm test will fail on them)')
  }
  run(process.execPath, [path.join(root, 'scripts/bundle.mjs'), tscOut])
  run(process.execPath, [path.join(root, 'node_modules/oclif/bin/run.js'), 'manifest'])
} catch (error) {
  process.exitCode = 1
} finally {
  rmSync(tscOut, {recursive: true, force: true})
}
