import {spawnSync} from 'node:child_process'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {tmpdir} from '../helpers/tmp.js'

// `kfp ui` with the real kubectl and no kubeconfig at all: one clear error with the full command, none of
// client-go's memcache.go log lines.
const s = suite('kfp ui without a kube context (real kubectl)')

s('one clear error naming the whole command, no kubectl noise, exit 3', async () => {
  if (spawnSync('sh', ['-c', 'command -v kubectl']).status !== 0) return console.log('SKIPPED: kubectl is not installed')
  const {dir, cleanup} = await tmpdir()
  try {
    const r = await runCli(['ui', '--no-open', '--port', '18085'], {cwd: dir, env: {HOME: dir, KUBECONFIG: path.join(dir, 'none')}})
    assert.is(r.code, 3, r.stderr)
    assert.match(r.stderr, 'Error: kubectl port-forward -n kubeflow svc/ml-pipeline-ui 18085:80 failed: no Kubernetes context is configured')
    assert.match(r.stderr, 'gcloud container clusters get-credentials')
    assert.not.match(r.stderr, /memcache\.go|Unhandled Error|E\d{4} /)
    assert.is(r.stderr.match(/^Error: /gm)?.length, 1)
  } finally {
    await cleanup()
  }
})

s('an unreachable server: the hint is the README\'s (kfp ui on 8085, the /pipeline endpoint)', async () => {
  const {dir, cleanup} = await tmpdir()
  try {
    const r = await runCli(['runs', 'list', '--json'], {cwd: dir, env: {HOME: dir, KFP_CONFIG_DIR: dir, KFP_ENDPOINT: 'http://127.0.0.1:9'}})
    assert.is(r.code, 6, r.stdout)
    assert.is(r.json.error.code, 'SERVER_UNREACHABLE')
    assert.ok(r.json.error.hints.some((h: string) => h.includes('http://localhost:8085') && h.includes('--endpoint http://localhost:8085/pipeline')), r.json.error.hints.join('\n'))
  } finally {
    await cleanup()
  }
})

s.run()
