// Issue 11 point 4: a process-runner step gets none of the credentials kfp itself uses (src/services/run/step-env.ts):
// a step dumps its whole environment; no secret reaches its log, the run record or anything under .kfp/.
import {execFileSync} from 'node:child_process'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {tmpdir} from '../helpers/tmp.js'

const E = suite('process-runner step environment')

E('KFP_*, gcloud tokens and targets\' tokenEnv variables are not inherited; the rest of the environment is', async () => {
  const tmp = await tmpdir('kfp-env-')
  try {
    writeMiniProject(
      tmp.dir,
      `name: envdump
steps:
  - name: dump
    env: {GIVEN: explicitly-passed}
targets:
  prod: {type: kfp, endpoint: "http://kfp.example", auth: {tokenEnv: PROD_KFP_TOKEN}}
`,
      {dump: {script: 'env | sort'}},
    )
    const secrets = {
      KFP_TOKEN: 'secret-kfp-token-1',
      KFP_REGISTRY_USERNAME: 'secret-registry-user-2',
      KFP_REGISTRY_PASSWORD: 'secret-registry-pass-3',
      KFP_ENDPOINT: 'http://admin:secret-url-pass-4@kfp.example',
      PROD_KFP_TOKEN: 'secret-project-target-token-5',
      USER_TARGET_TOKEN: 'secret-user-target-token-6',
      CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: '/tmp/secret-gcloud-token-file-7',
    }
    const cfg = `${tmp.dir}/cfg`
    const env = {...secrets, KFP_CONFIG_DIR: cfg, MY_OWN_SETTING: 'kept-for-the-step'}
    const add = await runCli(['target', 'add', 'other', '--endpoint', 'http://other.example', '--token-env', 'USER_TARGET_TOKEN', '--user'], {cwd: tmp.dir, env})
    assert.is(add.code, 0, add.stderr)
    const r = await runCli(['run', '--runner', 'process', '--target', 'local'], {cwd: tmp.dir, env})
    assert.is(r.code, 0, r.stderr)
    // The step saw the ordinary environment, the engine's variables and its own env:
    assert.match(r.stderr, '[dump] MY_OWN_SETTING=kept-for-the-step')
    assert.match(r.stderr, '[dump] GIVEN=explicitly-passed')
    assert.match(r.stderr, `[dump] KFP_PIPELINE_ROOT=${tmp.dir}/.kfp/pipeline-root/envdump/`)
    assert.match(r.stderr, `[dump] PATH=`)
    // and none of kfp's credentials, anywhere
    for (const [name, value] of Object.entries(secrets)) {
      assert.not.match(r.stderr + r.stdout, value, `${name} reached the step`)
      assert.not.match(r.stderr, `[dump] ${name}=`)
    }
    const leaked = execFileSync('grep', ['-rlE', 'secret-[a-z-]+-[0-9]', `${tmp.dir}/.kfp`, '--exclude-dir=cfg'], {encoding: 'utf8'}).trim()
    assert.is(leaked, '', `secrets in ${leaked}`)
  } catch (err) {
    // grep exits 1 when nothing matches: that is the expected outcome
    if ((err as {status?: number}).status !== 1) throw err
  } finally {
    await tmp.cleanup()
  }
})

E.run()
