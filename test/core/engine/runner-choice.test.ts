// chooseRunners (src/core/engine/runner-choice.ts): which steps of a local run run in Docker and which as host
// processes, the one line that says so under auto, and the errors under docker.
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {chooseRunners, type RunnerChoiceInput, type RunnerChoiceStep} from '../../../src/core/engine/runner-choice.js'
import {expectCliError} from '../../helpers/errors.js'

const step = (number: number, name: string, o: Partial<RunnerChoiceStep> = {}): RunnerChoiceStep => ({
  number,
  name,
  image: `reg/p-${name}:abc`,
  buildable: true,
  built: true,
  hasCommand: true,
  ...o,
})

const T = suite('chooseRunners')

const ok: Array<{name: string; in: RunnerChoiceInput; process: string[]; note?: string | RegExp}> = [
  {name: 'process: every step on the host, nothing said', in: {mode: 'process', steps: [step(1, 'a'), step(2, 'b', {built: false})]}, process: ['a', 'b']},
  {name: 'docker: every image built', in: {mode: 'docker', steps: [step(1, 'a'), step(2, 'b')]}, process: []},
  {name: 'docker: a stock image (not buildable) is pulled, not required to be built', in: {mode: 'docker', steps: [step(1, 'a', {buildable: false, built: false})]}, process: []},
  {name: 'auto: all built → all in Docker, nothing said', in: {mode: 'auto', steps: [step(1, 'a'), step(2, 'b')]}, process: []},
  {
    name: 'auto: Docker down → all on the host, one line with the reason',
    in: {mode: 'auto', dockerDown: 'Cannot reach the Docker daemon', steps: [step(1, 'a'), step(2, 'b')]},
    process: ['a', 'b'],
    note: 'Docker is not available (Cannot reach the Docker daemon): all 2 steps run as host processes.',
  },
  {
    name: 'auto: one unbuilt image → that step on the host, named with its number and the build command',
    in: {mode: 'auto', steps: [step(1, 'a'), step(2, 'b', {built: false}), step(3, 'c', {buildable: false, built: false})]},
    process: ['b'],
    note: 'Step 2. b runs as a host process: its image is not built (`kfp run --build` or `kfp build b` runs it in Docker; --runner process runs every step on the host).',
  },
  {
    name: 'auto: several unbuilt',
    in: {mode: 'auto', steps: [step(1, 'a', {built: false}), step(2, 'b', {built: false})]},
    process: ['a', 'b'],
    note: /^Steps 1\. a, 2\. b run as host processes: their images are not built \(`kfp run --build` or `kfp build a b` runs them in Docker/,
  },
]
for (const c of ok) {
  T(c.name, () => {
    const r = chooseRunners(c.in)
    assert.equal(r.processSteps, c.process)
    if (c.note === undefined) assert.is(r.note, undefined)
    else if (typeof c.note === 'string') assert.is(r.note, c.note)
    else assert.match(r.note ?? '', c.note)
  })
}

const bad: Array<{name: string; in: RunnerChoiceInput; message: string; hint: string}> = [
  {
    name: 'docker with unbuilt images: IMAGES_NOT_BUILT naming the steps, images and kfp build command',
    in: {mode: 'docker', steps: [step(1, 'a'), step(2, 'b', {built: false}), step(3, 'c', {built: false})]},
    message: 'The Docker runner needs the images of steps 2. b, 3. c, which are not built: reg/p-b:abc, reg/p-c:abc.',
    hint: 'Build them: kfp build b c',
  },
  {
    name: 'a target pin is named',
    in: {mode: 'docker', pinnedBy: 'targets.local.runner: docker', steps: [step(1, 'a', {built: false})]},
    message: 'The Docker runner (targets.local.runner: docker) needs the image of step 1. a, which is not built: reg/p-a:abc.',
    hint: 'Build it: kfp build a',
  },
  {
    name: 'auto: an unbuilt step without a command cannot fall back to the host',
    in: {mode: 'auto', steps: [step(1, 'a', {built: false, hasCommand: false})]},
    message: 'they have no command of their own, so they cannot run as host processes',
    hint: 'Build it: kfp build a',
  },
]
for (const c of bad) {
  T(c.name, async () => {
    const e = await expectCliError(Promise.resolve().then(() => chooseRunners(c.in)))
    assert.is(e.kfpCode, 'IMAGES_NOT_BUILT')
    assert.is(e.exitCode, 3)
    assert.match(e.message, c.message)
    assert.ok(e.hints.includes(c.hint), e.hints.join(' | '))
    assert.ok(e.hints.includes('Or build and run in one go: kfp run --build'))
  })
}

T.run()
