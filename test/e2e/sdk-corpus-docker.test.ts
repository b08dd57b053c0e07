// The SDK corpus on the Docker runner: the same CASES as sdk-corpus-process.test.ts, in one process, every step in
// the one shared FROM-scratch busybox image (built once; quick when it exists).
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {ensureBusyboxImage} from '../helpers/busybox-images.js'
import {skipWithoutDocker} from '../helpers/docker.js'
import {CASES, CORPUS_IMAGE_SPEC, runCase, startCorpusGcs} from '../helpers/sdk-corpus-cases.js'
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

  CASES.forEach((c, i) => {
    S(c.file, async () => {
      const dir = path.join(tmp.dir, String(i))
      const env = {PATH: process.env.PATH ?? '', DOCKER_HOST: process.env.DOCKER_HOST ?? '', ...gcs.env}
      const first = c.twice ? await runCase(c, dir, 'docker', env) : undefined
      const o = await runCase(c, dir, 'docker', env)
      assert.is(o.run.runner, 'docker')
      c.check(o, first)
    })
  })
  S.run()
}
