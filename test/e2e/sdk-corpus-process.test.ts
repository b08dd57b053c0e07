// The SDK corpus on the process runner: each pipeline of test/helpers/sdk-corpus-cases.ts CASES runs with the built
// CLI (`kfp run --local FILE --runner process`) and gets the outputs its Python source implies.
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {findUnsupportedFeatures} from '../../src/core/engine/dag.js'
import {pool} from '../helpers/pool.js'
import {CASES, convertedSpec, processShimDir, runCase, startCorpusGcs, WAITING_FOR_ENGINE, type Outcome} from '../helpers/sdk-corpus-cases.js'
import {tmpdir} from '../helpers/tmp.js'

const S = suite('SDK corpus on the process runner')
let tmp: {dir: string; cleanup: () => Promise<void>}
let env: Record<string, string>
let gcs: Awaited<ReturnType<typeof startCorpusGcs>>
S.before(async () => {
  tmp = await tmpdir('kfp-corpus-')
  gcs = await startCorpusGcs()
  env = {PATH: `${processShimDir(tmp.dir)}:${process.env.PATH}`, ...gcs.env}
})
S.after(async () => (await gcs.close(), await tmp.cleanup()))

S('the corpus holds at least 30 SDK-compiled pipelines', () => {
  assert.ok(CASES.length >= 30, String(CASES.length))
})

// The runs go three at a time (each is a separate kfp process); each test checks one run's outcome.
let outcomes: Array<{o: Outcome; first?: Outcome} | Error>
S('runs the corpus', async () => {
  outcomes = await pool(CASES, 3, async (c, i) => {
    const dir = path.join(tmp.dir, String(i))
    const first = c.twice ? await runCase(c, dir, 'process', env) : undefined
    return {o: await runCase(c, dir, 'process', env), first}
  })
})
CASES.forEach((c, i) => {
  S(c.file, () => {
    const r = outcomes[i]
    if (r instanceof Error) throw r
    c.check(r.o, r.first)
  })
})

// Control flow and importers wait for the engine's scheduler: refused up front today, naming the feature. When the
// engine accepts one, this fails: move the case into CASES.
WAITING_FOR_ENGINE.forEach((c, i) => {
  S(`waiting for the engine: ${c.file}`, async () => {
    const unsupported = findUnsupportedFeatures(convertedSpec(c))
    assert.ok(unsupported.length > 0, `${c.file} is supported by the engine now: move it from WAITING_FOR_ENGINE into CASES (test/helpers/sdk-corpus-cases.ts)`)
    const o = await runCase(c, path.join(tmp.dir, `w${i}`), 'process', env).catch((e: Error) => e)
    assert.ok(o instanceof Error && /exit 3/.test(o.message), String(o instanceof Error ? o.message : o.code))
  })
})

S.run()
