import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {clearSecrets, displayUrl, redact, redactDeep, redactLogBlock, registerSecret} from '../../src/lib/redact.js'
import {pick, rng} from '../fuzz/generator.js'

const R = suite('redact (src/lib/redact.ts)')
R.before.each(() => clearSecrets())

const cases: Array<[string, string, string]> = [
  ['URL password', 'cannot reach http://admin:s3cret@kfp.example:8080/pipeline', 'cannot reach http://admin:***@kfp.example:8080/pipeline'],
  ['URL password, https, no user', 'https://:tok123@h/x', 'https://:***@h/x'],
  ['URL without password is kept', 'http://admin@h and https://h/x', 'http://admin@h and https://h/x'],
  ['echoed Authorization header', '{"headers":{"authorization":"Bearer abc.def.ghi-123456"}}', '{"headers":{"authorization":"Bearer ***"}}'],
  ['Authorization: Basic', 'Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic ***'],
  ['a bare bearer token', 'rejected Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig', 'rejected Bearer ***'],
  ['Cookie header', 'Cookie: authservice_session=MTY5abc; other=1\nnext line', 'Cookie: ***\nnext line'],
  ['plain text is untouched', 'step 1 succeeded in 3s', 'step 1 succeeded in 3s'],
]
for (const [name, input, expected] of cases) R(name, () => assert.is(redact(input), expected))

R('registered secrets are masked wherever they appear, cookie values one by one', () => {
  registerSecret('tok-very-secret')
  registerSecret('authservice_session=MTY5OTk5abcdef; csrf=qwertyuiop')
  assert.is(redact('server said: invalid token tok-very-secret'), 'server said: invalid token ***')
  assert.is(redact('session MTY5OTk5abcdef expired; csrf qwertyuiop'), 'session *** expired; csrf ***')
  registerSecret('abc')
  assert.is(redact('abc is too short to be a secret'), 'abc is too short to be a secret')
})

R('redactDeep masks strings at any depth (--json envelopes, serverMessage)', () => {
  registerSecret('tok-very-secret')
  assert.equal(redactDeep({status: 6, error: {message: 'x tok-very-secret', data: {serverMessage: 'Bearer tok-very-secret', list: ['http://a:b@h']}}}), {
    status: 6,
    error: {message: 'x ***', data: {serverMessage: 'Bearer ***', list: ['http://a:***@h']}},
  })
})

R('an echoed Cookie header is masked; prose that says "cookie:" before a command is not', () => {
  assert.is(redact('Cookie: authservice_session=abc123; other=x'), 'Cookie: ***')
  assert.is(redact('"cookie": "oauth2_proxy_kubeflow=zz"'), '"cookie": "***"')
  const hint = '  session cookie: kfp target add prod --endpoint http://h --cookie-file ~/.config/kfp/cookie'
  assert.is(redact(hint), hint)
})

R('displayUrl', () => assert.is(displayUrl('http://admin:pw@host/pipeline'), 'http://admin:***@host/pipeline'))

// redactLogBlock: a step's log lines as `kfp run` shows them, each after its `[step] ` prefix.
const prefixEach = (p: string, lines: string) => lines.split('\n').map((l) => `${p}${l}\n`).join('')

R('redactLogBlock puts the prefix before every line and a line end after it', () => {
  assert.is(redactLogBlock('[train] ', 'a'), '[train] a\n')
  assert.is(redactLogBlock('[train[1]] ', 'a\n\nb'), '[train[1]] a\n[train[1]] \n[train[1]] b\n')
  assert.is(redactLogBlock('[s] ', ''), '[s] \n')
})

R('redactLogBlock masks what redact masks in the prefixed text (every case above, as a step line)', () => {
  registerSecret('tok-very-secret')
  for (const [, input] of [...cases, ['secret', 'token tok-very-secret here', '']]) {
    const lines = `first\n${input}\nlast`
    assert.is(redactLogBlock('[train] ', lines), redact(prefixEach('[train] ', lines)), input)
  }
})

R('redactLogBlock: a header wrapped after `Bearer` masks the token on the next line, not the prefix', () => {
  assert.is(redactLogBlock('[s] ', 'Authorization: Bearer\nabcdefghijklmnop'), '[s] Authorization: Bearer\n[s] ***\n')
})

R('redactLogBlock: a prefix that holds a shape or a secret itself is masked whole', () => {
  registerSecret('tok-very-secret')
  assert.is(redactLogBlock('[cookie: a=b] ', 'value'), redact('[cookie: a=b] value\n'))
  assert.is(redactLogBlock('[http://u:pw@h] ', 'x'), '[http://u:***@h] x\n')
  assert.is(redactLogBlock('[tok-very-secret] ', 'x'), '[***] x\n')
})

// Credential-shaped fragments, each holding a value that must not be shown; lines are cut at random places.
const SECRET_VALUES = ['s3cretPW9', 'eyJhbGciOiJSUzI1NiJ9abcdef', 'MTY5OTk5abcdef', 'dXNlcjpwYXNzd29yZA', 'tok-very-secret']
const FRAGMENTS = [
  'http://admin:s3cretPW9@kfp.example/x', 'Authorization: Bearer eyJhbGciOiJSUzI1NiJ9abcdef', 'authorization: Basic dXNlcjpwYXNzd29yZA',
  'Bearer eyJhbGciOiJSUzI1NiJ9abcdef', 'Cookie: authservice_session=MTY5OTk5abcdef', '"cookie": "s=MTY5OTk5abcdef"', 'token tok-very-secret',
  'Authorization:', 'Bearer', 'bearer', 'Cookie:', '://', ':', '@', ' ', '"', "'", '=', ';', ',', '\n', '\n', '\n', '[', ']', 'x', 'plain words',
  'eyJhbGciOiJSUzI1NiJ9abcdef', 'MTY5OTk5abcdef', 's3cretPW9', 'a=b', 'set-cookie=', 'https://', 'u:', 'pw@h',
]
const PREFIXES = ['[train] ', '[big] ', '[bearer] ', '[cookie] ', '[authorization] ', '[train[0][1]] ', '[s] ', '[x: y] ', '[cookie: a=b] ', '[http://u:pw@h] ']

R('redactLogBlock never shows a value that redact of the prefixed text hides (2,000 seeded blocks)', () => {
  const r = rng(11)
  for (let i = 0; i < 2000; i++) {
    clearSecrets()
    if (r() < 0.5) registerSecret('tok-very-secret')
    const lines = Array.from({length: 1 + Math.floor(r() * 12)}, () => pick(r, FRAGMENTS)).join(pick(r, ['', ' ', '\n']))
    const prefix = pick(r, PREFIXES)
    const before = redact(prefixEach(prefix, lines))
    const now = redactLogBlock(prefix, lines)
    for (const v of SECRET_VALUES) if (!before.includes(v)) assert.not.ok(now.includes(v), `${JSON.stringify(prefix)} ${JSON.stringify(lines)}: ${v} shown`)
  }
})

R.run()
