import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {contentTag, contextHash, TAG_HASH_LENGTH, type ContextEntry} from '../../../src/core/build/hash.js'
import {imageRepository, isValidTag, parseBuildArgs, parseImageRef, planTags} from '../../../src/core/build/naming.js'
import {selectComponents} from '../../../src/core/build/select.js'

const file = (p: string, sha: string, mode = 0o644): ContextEntry => ({path: p, type: 'file', mode, size: 3, sha256: sha})

const hash = suite('content hash')

hash('does not depend on entry order', () => {
  // Given the same entries in two orders
  const a = [file('Dockerfile', 'aa'), file('main.py', 'bb')]
  // Then the hash is the same
  assert.is(contextHash(a, 'Dockerfile'), contextHash([...a].reverse(), 'Dockerfile'))
})

hash('changes with content, path, executable bit, symlink target and Dockerfile name', () => {
  const base = contextHash([file('Dockerfile', 'aa'), file('main.py', 'bb')], 'Dockerfile')
  const variants = [
    contextHash([file('Dockerfile', 'aa'), file('main.py', 'bc')], 'Dockerfile'),
    contextHash([file('Dockerfile', 'aa'), file('main2.py', 'bb')], 'Dockerfile'),
    contextHash([file('Dockerfile', 'aa'), file('main.py', 'bb', 0o755)], 'Dockerfile'),
    contextHash([file('Dockerfile', 'aa'), file('main.py', 'bb'), {path: 'l', type: 'symlink', mode: 0o777, size: 0, linkname: 'x'}], 'Dockerfile'),
    contextHash([file('Dockerfile', 'aa'), file('main.py', 'bb')], 'other.Dockerfile'),
  ]
  for (const v of variants) assert.is.not(v, base)
  assert.is(new Set(variants).size, variants.length)
})

hash('the tag depends on build args (in any order), target and platform', () => {
  const h = contextHash([file('Dockerfile', 'aa')], 'Dockerfile')
  const plain = contentTag(h)
  assert.is(plain.length, TAG_HASH_LENGTH)
  assert.match(plain, /^[0-9a-f]+$/)
  assert.is(contentTag(h, {}), plain)
  assert.is.not(contentTag(h, {buildArgs: {A: '1'}}), plain)
  assert.is(contentTag(h, {buildArgs: {A: '1', B: '2'}}), contentTag(h, {buildArgs: {B: '2', A: '1'}}))
  assert.is.not(contentTag(h, {target: 'prod'}), plain)
  assert.is.not(contentTag(h, {platform: 'linux/arm64'}), plain)
})

const naming = suite('image naming')

naming('repository from registry, pipeline and component', () => {
  assert.is(imageRepository('gcr.io/my-project', 'babyweight', 'preprocess'), 'gcr.io/my-project/babyweight-preprocess')
  assert.is(imageRepository('localhost:5000/', 'babyweight', 'Deploy'), 'localhost:5000/babyweight-deploy')
  assert.is(imageRepository(undefined, 'babyweight', 'deploy'), 'babyweight-deploy')
})

naming('parses references like Docker', () => {
  const cases: Array<[string, ReturnType<typeof parseImageRef>]> = [
    ['localhost:5000/babyweight-x:abc', {registry: 'localhost:5000', repository: 'babyweight-x', tag: 'abc', digest: undefined}],
    ['gcr.io/p/img@sha256:00', {registry: 'gcr.io', repository: 'p/img', tag: undefined, digest: 'sha256:00'}],
    ['ubuntu', {registry: 'docker.io', repository: 'library/ubuntu', tag: undefined, digest: undefined}],
    ['me/app:1', {registry: 'docker.io', repository: 'me/app', tag: '1', digest: undefined}],
    ['127.0.0.1:5000/a/b', {registry: '127.0.0.1:5000', repository: 'a/b', tag: undefined, digest: undefined}],
  ]
  for (const [ref, want] of cases) assert.equal(parseImageRef(ref), want, ref)
})

naming('tags: content tag first, extras deduplicated', () => {
  assert.equal(planTags('abc'), ['abc'])
  assert.equal(planTags('abc', {tags: ['v1', 'abc'], gitCommit: 'git-1234', latest: true}), ['abc', 'v1', 'git-1234', 'latest'])
  assert.ok(isValidTag('v1.2_3-rc'))
  for (const bad of ['', '-x', '.x', 'a/b', 'a:b', 'x'.repeat(129)]) assert.not.ok(isValidTag(bad), bad)
})

naming('build args K=V; malformed values reported', () => {
  assert.equal(parseBuildArgs(['A=1', 'B=x=y', 'EMPTY=']), {args: {A: '1', B: 'x=y', EMPTY: ''}, invalid: []})
  assert.equal(parseBuildArgs(['NOVALUE', '=1', '1A=2']).invalid, ['NOVALUE', '=1', '1A=2'])
})

const select = suite('selecting components')
const project = {
  steps: [
    {name: 'preprocess', component: 'preprocess'},
    {name: 'train-a', component: 'train'},
    {name: 'train-b', component: 'train'},
  ],
} as never

select('every step when none named; shared components once, in step order', () => {
  assert.equal(selectComponents(project, []).selected, [
    {component: 'preprocess', steps: ['preprocess']},
    {component: 'train', steps: ['train-a', 'train-b']},
  ])
})

select('named steps only; unknown names come with a suggestion', () => {
  const r = selectComponents(project, ['train-b', 'preproces'])
  assert.equal(r.selected, [{component: 'train', steps: ['train-b']}])
  assert.equal(r.unknown, [{name: 'preproces', suggestion: 'preprocess'}])
})

hash.run()
naming.run()
select.run()
