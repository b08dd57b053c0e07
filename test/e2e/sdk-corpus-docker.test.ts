// The SDK corpus on the Docker runner: the same CASES as sdk-corpus-process.test.ts, in one process, every step in
// the one shared FROM-scratch busybox image (built once; quick when it exists).
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {ensureBusyboxImage} from '../helpers/busybox-images.js'
import {skipWithoutDocker} from '../helpers/docker.js'
import {pool} from '../helpers/pool.js'
import {CASES, CORPUS_IMAGE_SPEC, runCase, startCorpusGcs, type Outcome} from '../helpers/sdk-corpus-cases.js'
import {tmpdir} from '../helpers/tmp.js'

const S = suite('SDK corpus on the Docker runner')
if (!skipWithoutDocker('the SDK corpus on Docker', CASES.length)) {
  let tmp: {dir: string; cleanup: () => Promise<void>}
  let gcs: Awaited<ReturnType<typeof startCorpusGcs>>
  S.before(async () => {
    tmp = await tmpdir('kfp-corpus-docker-')
    gcs = await startCorpusGcs()
    await ensureBusyboxImage(CORPUS_IMAGE_SPEC)
  })
  S.after(async () => (await gcs.close(), await tmp.cleanup()))

  S('the corpus holds at least 30 SDK-compiled pipelines', () => assert.ok(CASES.length >= 30))

  // The runs go three at a time (each is a separate kfp process); each test checks one run's outcome.
  let outcomes: Array<{o: Outcome; first?: Outcome} | Error>
  S('runs the corpus', async () => {
    const env = {PATH: process.env.PATH ?? '', DOCKER_HOST: process.env.DOCKER_HOST ?? '', ...gcs.env}
    outcomes = await pool(CASES, 3, async (c, i) => {
      const dir = path.join(tmp.dir, String(i))
      const first = c.twice ? await runCase(c, dir, 'docker', env) : undefined
      return {o: await runCase(c, dir, 'docker', env), first}
    })
  })
  CASES.forEach((c, i) => {
    S(c.file, () => {
      const r = outcomes[i]
      if (r instanceof Error) throw r
      assert.is(r.o.run.runner, 'docker')
      c.check(r.o, r.first)
    })
  })
  S.run()
}
