import {execFileSync} from 'node:child_process'
import {mkdir, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {writeBusyboxProjectFiles} from '../helpers/build-fixtures.js'
import {runCli} from '../helpers/cli.js'
import {skipWithoutDocker} from '../helpers/docker.js'
import {tmpdir} from '../helpers/tmp.js'

// CLI-level behaviour of `kfp build` (spawns the built CLI; run `npm run build` first).
const cmd = suite('kfp build (command)')
let dir = ''
let cleanup = async () => {}
const pipeline = `kc${Date.now().toString(36)}`

cmd.before(async () => {
  ;({dir, cleanup} = await tmpdir('kfp-build-cmd-'))
  await writeBusyboxProjectFiles(dir, pipeline, ['prep', 'train'], '127.0.0.1:5999')
  // A third step whose component has no Dockerfile (a stock image).
  await mkdir(path.join(dir, 'components', 'stock'), {recursive: true})
  await writeFile(path.join(dir, 'components', 'stock', 'component.yaml'), 'name: stock\nimplementation:\n  container:\n    image: busybox:stock\n    command: [echo, hi]\n')
  await writeFile(path.join(dir, 'kfp.yaml'), `name: ${pipeline}\nregistry: 127.0.0.1:5999\nsteps:\n  - name: prep\n  - name: train\n  - name: stock\n`)
})
cmd.after(async () => {
  await cleanup()
  try {
    const ids = execFileSync('docker', ['image', 'ls', '-q', '--filter', `label=dev.kfp.pipeline=${pipeline}`], {encoding: 'utf8'}).split('\n').filter(Boolean)
    if (ids.length) execFileSync('docker', ['rmi', '-f', ...new Set(ids)], {stdio: 'ignore'})
  } catch {
    // no docker: nothing to clean
  }
})

cmd('--help documents the flags', async () => {
  const r = await runCli(['build', '--help'])
  assert.is(r.code, 0)
  for (const f of ['--all', '--push', '--tag', '--build-arg', '--platform', '--target', '--no-cache', '--parallel', '--verbose', '--json', '--registry-username', '--password-stdin', '--git-tag', '--latest']) {
    assert.match(r.stdout, f)
  }
})

cmd('step names and --all together: usage error, exit 2', async () => {
  const r = await runCli(['build', 'prep', '--all'], {cwd: dir})
  assert.is(r.code, 2)
  assert.match(r.stderr, 'Pass step names or --all, not both.')
})

cmd('an unknown step: exit 2 with a suggestion', async () => {
  const r = await runCli(['build', 'trian', '--json'], {cwd: dir})
  assert.is(r.code, 2)
  assert.is(r.json.error.code, 'STEP_NOT_FOUND')
  assert.match(r.json.error.hints.join(' '), 'Did you mean "train"?')
})

cmd('--registry-username without --password-stdin: exit 2; passwords are never flags', async () => {
  const r = await runCli(['build', '--push', '--registry-username', 'u'], {cwd: dir})
  assert.is(r.code, 2)
  assert.match(r.stderr, '--password-stdin')
})

cmd('a malformed --build-arg: exit 2 naming the value', async () => {
  const r = await runCli(['build', 'prep', '--build-arg', 'NOEQUALS'], {cwd: dir})
  assert.is(r.code, 2)
  assert.match(r.stderr, 'Invalid --build-arg "NOEQUALS"')
})

cmd('a named step without Dockerfile: DOCKERFILE_NOT_FOUND, exit 3', async () => {
  const r = await runCli(['build', 'stock', '--json'], {cwd: dir})
  assert.is(r.code, 3)
  assert.is(r.json.error.code, 'DOCKERFILE_NOT_FOUND')
  assert.match(r.json.error.message, 'components/stock')
})

cmd('Docker daemon not running: exit 5, hint on starting it and DOCKER_HOST', async () => {
  const r = await runCli(['build', '--all'], {cwd: dir, env: {DOCKER_HOST: `unix://${path.join(dir, 'nothing.sock')}`}})
  assert.is(r.code, 5)
  // Said once, not once per image
  assert.not.match(r.stderr, 'more image')
  assert.is(r.stderr.match(/Cannot reach the Docker daemon/g)?.length, 1)
  assert.match(r.stderr, /Cannot reach the Docker daemon/)
  assert.match(r.stderr, /DOCKER_HOST is set to unix:\/\//)
  assert.match(r.stderr, /systemctl start docker|dockerd/)
})

cmd('builds, then reports up to date; --json per image; plain progress lines when not a terminal', async () => {
  if (skipWithoutDocker('kfp build command against a real daemon')) return
  // When built twice
  const first = await runCli(['build'], {cwd: dir})
  const second = await runCli(['build', '--all', '--json'], {cwd: dir})
  // Then the first builds both and leaves the stock step out, the second skips both
  assert.is(first.code, 0, first.stderr)
  assert.match(first.stderr, `prep: building 127.0.0.1:5999/${pipeline}-prep:`)
  assert.match(first.stderr, 'stock: no Dockerfile')
  assert.ok(first.stdout.startsWith('step\timage\tdigest\tstatus\n'), first.stdout)
  assert.match(first.stdout, /prep\t127\.0\.0\.1:5999\/\S+-prep:[0-9a-f]{16}\t\tbuilt/)
  assert.is(second.code, 0)
  assert.equal(
    second.json.result.images.map((i: Record<string, unknown>) => [i.step, i.component, i.skipped, i.pushed, typeof i.tag, i.image === `${i.name}:${i.tag}`]),
    [
      ['prep', 'prep', true, false, 'string', true],
      ['train', 'train', true, false, 'string', true],
    ],
  )
  assert.is(second.stdout.trim().startsWith('{'), true)
  assert.not.match(second.stderr, 'building')
})

cmd('--git-tag and --latest: extra tags on the same image; -dirty with uncommitted changes; no git: exit 2', async () => {
  if (skipWithoutDocker('kfp build --git-tag against a real daemon')) return
  // Given no git repository yet
  const none = await runCli(['build', 'prep', '--git-tag'], {cwd: dir})
  // When the project is committed, then changed
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...a], {cwd: dir, encoding: 'utf8'}).trim()
  git('init', '-q')
  await writeFile(path.join(dir, '.gitignore'), '.kfp/\n')
  git('add', '.')
  git('commit', '-qm', 'components')
  const commit = git('rev-parse', '--short=12', 'HEAD')
  const clean = await runCli(['build', 'prep', '--git-tag', '--latest', '--json'], {cwd: dir})
  await writeFile(path.join(dir, 'notes.txt'), 'uncommitted\n')
  const dirty = await runCli(['build', 'prep', '--git-tag', '--json'], {cwd: dir})
  // Then
  assert.is(none.code, 2)
  assert.match(none.stderr, '--git-tag needs a git repository')
  assert.is(clean.code, 0, clean.stderr)
  const img = clean.json.result.images[0]
  assert.equal(img.tags, [img.tag, `git-${commit}`, 'latest'])
  const id = (ref: string) => execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', ref], {encoding: 'utf8'}).trim()
  assert.is(id(`${img.name}:git-${commit}`), id(img.image))
  assert.is(id(`${img.name}:latest`), id(img.image))
  assert.is(dirty.code, 0, dirty.stderr)
  assert.equal(dirty.json.result.images[0].tags, [img.tag, `git-${commit}-dirty`])
  await rm(path.join(dir, '.git'), {recursive: true, force: true})
})

cmd('--target naming no stage of the Dockerfile: exit 5 with the daemon’s words (no HTTP noise) and a --target hint', async () => {
  if (skipWithoutDocker('kfp build --target with no such stage')) return
  // When
  const r = await runCli(['build', 'prep', '--target', 'nosuchstage', '--json'], {cwd: dir})
  // Then
  assert.is(r.code, 5, r.stderr)
  assert.is(r.json.error.code, 'DOCKER_BUILD_FAILED')
  assert.match(r.json.error.message, /^Building \S+-prep:[0-9a-f]{16} failed\nfailed to reach build target nosuchstage/)
  assert.not.match(r.json.error.message, 'HTTP code')
  assert.match(r.json.error.hints.join(' '), 'kfp build STEP --target NAME')
})

cmd('a failing build: exit 5, the failing instruction, and the full log on stderr', async () => {
  if (skipWithoutDocker('kfp build failing instruction')) return
  // Given a Dockerfile with a failing RUN
  await writeFile(path.join(dir, 'components', 'train', 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "echo line-before-failure; exit 7"]\n')
  // When
  const r = await runCli(['build', 'train'], {cwd: dir})
  // Then
  assert.is(r.code, 5)
  // oclif wraps error text at the terminal width: unwrap before matching.
  const flat = r.stderr.replace(/\s*\n ›\s*/g, ' ').replace(/ +/g, ' ')
  assert.match(flat, /failed at step 3\/\d+: RUN \["\/bin\/busybox"/)
  assert.match(flat, 'returned a non-zero code: 7')
  // The log is printed once: a short log is all in the error's last lines, no separate block repeating it.
  assert.is(r.stderr.match(/^\s+line-before-failure$/gm)?.length, 1, r.stderr)
  assert.not.match(r.stderr, '--- build log of train')
  // The step line says what failed, not only the code.
  assert.match(r.stderr, /✖ train: Building \S+ failed at step 3/)
})

cmd.run()
