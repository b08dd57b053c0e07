// Issue 11 point 11: parallel `kfp build`s each keep their record in .kfp/builds.json (saveBuildRecord merges under
// a lock). Six processes save their own component at the same moment, several times over; none is lost.
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {repoRoot} from '../../helpers/cli.js'
import {tmpdir} from '../../helpers/tmp.js'

const P = suite('builds.json under parallel builds')

function saver(root: string, component: string, times: number): Promise<number | null> {
  const script = `
    import {saveBuildRecord} from ${JSON.stringify(path.join(repoRoot, 'src/services/build/records.ts'))}
    for (let i = 0; i < ${times}; i++) {
      await saveBuildRecord(${JSON.stringify(root)}, {component: ${JSON.stringify(component)}, repository: 'r/${component}', tag: 't' + i, tags: ['t' + i], contextHash: 'h', builtAt: new Date().toISOString()})
    }`
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {stdio: ['ignore', 'ignore', 'inherit'], cwd: repoRoot})
    child.on('close', resolve)
  })
}

P('six processes saving at once: every component is in the file, each with its last record', async () => {
  const tmp = await tmpdir('kfp-builds-')
  try {
    const names = ['a', 'b', 'c', 'd', 'e', 'f']
    const codes = await Promise.all(names.map((n) => saver(tmp.dir, n, 8)))
    assert.equal(codes, names.map(() => 0))
    const file = JSON.parse(readFileSync(path.join(tmp.dir, '.kfp', 'builds.json'), 'utf8'))
    assert.equal(Object.keys(file.components).sort(), names)
    for (const n of names) assert.is(file.components[n].tag, 't7')
  } finally {
    await tmp.cleanup()
  }
})

P.run()
